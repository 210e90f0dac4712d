import { Inject } from '@nestjs/common';
import { QR_LOGIN_STORE } from '../kernel/qr-login.constants';

/** Injects the module's `QrLoginStore`, so nobody types the token by hand. */
export const InjectQrLoginStore = (): ParameterDecorator & PropertyDecorator => Inject(QR_LOGIN_STORE);
