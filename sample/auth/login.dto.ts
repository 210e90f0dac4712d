import { Body, ValidationPipe } from '@nestjs/common';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { LoginBodyDepthPipe } from './login-body.pipe';

/** Body of `POST /auth/login` and `POST /auth/app/login`. */
export class LoginDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  username!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  password!: string;
}

/**
 * The login body: its depth checked first (400 `LOGIN_BODY_TOO_DEEP`), then
 * validated. On the parameter rather than the controller, so the depth check
 * runs before class-transformer, and the QR module's routes keep their own
 * validation and error codes.
 */
export const LoginBody = (): ParameterDecorator =>
  Body(new LoginBodyDepthPipe(), new ValidationPipe({ whitelist: true }));
