import type { Provider, Type } from '@nestjs/common';
import { GenAuthCompatService } from './genauth-compat.service';
import { GenAuthV2Controller } from './genauth-v2.controller';
import { GenAuthV3Controller } from './genauth-v3.controller';
import type { QrLoginCompatExtras } from './genauth-options.interface';

/*
 * What the `compat` module setting adds to the module definition. Only
 * `true` mounts a route set; other values are reported by the options
 * validation when the module starts.
 */

export function compatControllers(compat: QrLoginCompatExtras | undefined): Type<unknown>[] {
  return [
    ...(compat?.genauthV3 === true ? [GenAuthV3Controller] : []),
    ...(compat?.genauthV2 === true ? [GenAuthV2Controller] : []),
  ];
}

export function compatProviders(compat: QrLoginCompatExtras | undefined): Provider[] {
  return compatControllers(compat).length > 0 ? [GenAuthCompatService] : [];
}
