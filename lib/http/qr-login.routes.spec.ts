import 'reflect-metadata';
import { Controller, SetMetadata } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { describe, expect, it } from 'vitest';
import { QrLoginConfigError } from '../kernel/qr-login.errors';
import {
  isQrLoginController,
  mountQrLoginController,
  QR_LOGIN_CONTROLLER_METADATA,
  resolveRouteDecorators,
} from './qr-login.routes';

/*
 * How the module mounts its controllers: a subclass per mount with the route
 * path, the mark an app's global guard reads and the app's decorators, the
 * base class untouched; and the check of the routeDecorators setting.
 */

@Controller()
class BaseController {}

const told = (module: string) =>
  `QrLoginModule is misconfigured: "routeDecorators" must be an array of class decorators, e.g. ${module}.forRoot({ routeDecorators: [Public()] }) where Public = () => SetMetadata("isPublic", true).`;

describe('mountQrLoginController', () => {
  it('mounts a subclass named as the base, marked, with the path and the decorators, leaving the base as it was', () => {
    const mounted = mountQrLoginController(BaseController, {
      path: 'qr-login',
      decorators: [SetMetadata('isPublic', true)],
    });
    expect(mounted).not.toBe(BaseController);
    expect(Object.getPrototypeOf(mounted)).toBe(BaseController);
    expect(mounted.name).toBe('BaseController');
    expect(Reflect.getMetadata(QR_LOGIN_CONTROLLER_METADATA, mounted)).toBe(true);
    expect(Reflect.getMetadata(PATH_METADATA, mounted)).toBe('qr-login');
    expect(Reflect.getMetadata('isPublic', mounted)).toBe(true);
    expect(isQrLoginController(mounted)).toBe(true);
    // The base keeps its own path and gets neither the mark nor the decorators.
    expect(Reflect.getMetadata(PATH_METADATA, BaseController)).toBe('/');
    expect(Reflect.getOwnMetadata(QR_LOGIN_CONTROLLER_METADATA, BaseController)).toBeUndefined();
    expect(Reflect.getMetadata('isPublic', BaseController)).toBeUndefined();
  });

  it('keeps the inherited path when none is given', () => {
    const mounted = mountQrLoginController(BaseController);
    expect(Reflect.getMetadata(PATH_METADATA, mounted)).toBe('/');
    expect(isQrLoginController(mounted)).toBe(true);
  });
});

describe('isQrLoginController', () => {
  it('is true only for a class carrying the mark set to true', () => {
    expect(isQrLoginController(BaseController)).toBe(false);
    class Other {}
    Reflect.defineMetadata(QR_LOGIN_CONTROLLER_METADATA, 'true', Other);
    expect(isQrLoginController(Other)).toBe(false);
    // An object that is not a class, even marked, is not a controller.
    const marked = {};
    Reflect.defineMetadata(QR_LOGIN_CONTROLLER_METADATA, true, marked);
    expect(isQrLoginController(marked)).toBe(false);
    expect(isQrLoginController(undefined)).toBe(false);
  });
});

describe('resolveRouteDecorators', () => {
  it('takes no setting as none, and an array of decorators as it is', () => {
    expect(resolveRouteDecorators(undefined)).toEqual([]);
    const decorators = [SetMetadata('isPublic', true)];
    expect(resolveRouteDecorators(decorators)).toBe(decorators);
  });

  it('refuses anything else, naming the module to configure', () => {
    const refusal = (setting: unknown, module?: string) => {
      try {
        resolveRouteDecorators(setting, module);
      } catch (error) {
        expect(error).toBeInstanceOf(QrLoginConfigError);
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(refusal(SetMetadata('isPublic', true))).toBe(told('QrLoginModule'));
    expect(refusal([SetMetadata('isPublic', true), 'Public'])).toBe(told('QrLoginModule'));
    expect(refusal(['Public'], 'QrLoginDeviceGrantModule')).toBe(told('QrLoginDeviceGrantModule'));
  });
});
