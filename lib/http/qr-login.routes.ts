import { Controller, type Type } from '@nestjs/common';
import { QrLoginConfigError } from '../kernel/qr-login.errors';

/**
 * Metadata key set on every controller `QrLoginModule` and its plugins mount.
 * An app's global guard can read it (`reflector.get(QR_LOGIN_CONTROLLER_METADATA,
 * context.getClass())`) or call `isQrLoginController(context.getClass())`.
 */
export const QR_LOGIN_CONTROLLER_METADATA = 'nestjs-qr-login:controller';

/**
 * Decorators applied to every controller the module mounts, e.g.
 * `[Public()]` for an app whose global `APP_GUARD` refuses routes without
 * that metadata, or `[UseGuards(MyGuard)]`. Each is applied to the mounted
 * class, so metadata a guard reads with `context.getClass()` is there.
 */
export type QrLoginRouteDecorators = readonly ClassDecorator[];

/**
 * Whether a class (typically `context.getClass()` in a global guard) is one of
 * the controllers `QrLoginModule` or its plugins mounted. The mounted classes
 * are generated subclasses (one per route prefix), so compare with this rather
 * than with `===`.
 */
export function isQrLoginController(target: unknown): boolean {
  return typeof target === 'function' && Reflect.getMetadata(QR_LOGIN_CONTROLLER_METADATA, target) === true;
}

/** Checks the `routeDecorators` module setting while the module is declared, so a mistake names itself. */
export function resolveRouteDecorators(decorators: unknown, module = 'QrLoginModule'): QrLoginRouteDecorators {
  if (decorators === undefined) return [];
  if (!Array.isArray(decorators) || decorators.some((d) => typeof d !== 'function')) {
    throw new QrLoginConfigError(
      `"routeDecorators" must be an array of class decorators, e.g. ${module}.forRoot({ routeDecorators: [Public()] }) where Public = () => SetMetadata("isPublic", true).`,
    );
  }
  return decorators as QrLoginRouteDecorators;
}

/**
 * The class a module mounts for one of its controllers: a subclass carrying
 * the route path (when given), the `QR_LOGIN_CONTROLLER_METADATA` mark and the
 * app's `routeDecorators`, so the shared base class is never changed. Plugins
 * mount their controllers with it too, so the app's guards see them the same way.
 */
export function mountQrLoginController<T>(
  base: Type<T>,
  options: { path?: string; decorators?: QrLoginRouteDecorators } = {},
): Type<T> {
  class Mounted extends (base as Type<any>) {}
  Object.defineProperty(Mounted, 'name', { value: base.name });
  if (options.path !== undefined) Controller(options.path)(Mounted);
  Reflect.defineMetadata(QR_LOGIN_CONTROLLER_METADATA, true, Mounted);
  for (const decorator of options.decorators ?? []) decorator(Mounted);
  return Mounted as Type<T>;
}
