/*
 * A compile-time test: `tsc -p tsconfig.json --noEmit` fails if the app's
 * user type stops flowing through the options, the service, the guarded
 * request and getQrLoginContext. Each `@ts-expect-error` line must be an
 * error; each other line must not. Never run, only compiled (it is also
 * compiled against the packed package by test/docs/readme-blocks.spec.ts).
 */
import { Controller, Injectable, Post, Req, UseGuards } from '@nestjs/common';
import {
  getQrLoginContext,
  QrLoginGuard,
  QrLoginModule,
  QrLoginService,
  type QrLoginModuleOptions,
  type QrLoginOptionsFactory,
  type QrLoginRequest,
} from '../../lib';

interface User {
  id: string;
  email: string;
}
declare function findUser(id: string): Promise<User | null>;

// `loadUser`'s return type carries into `issueTokenSet` without naming it.
QrLoginModule.forRoot({
  appAuth: { strategies: ['jwt'] },
  loadUser: (userId) => findUser(userId),
  issueTokenSet: (user) => ({ access_token: user.email }),
});

QrLoginModule.forRoot({
  appAuth: { strategies: ['jwt'] },
  loadUser: (userId) => findUser(userId),
  // @ts-expect-error: the user has no `name`, only what loadUser returns.
  issueTokenSet: (user) => ({ access_token: user.name }),
});

// Named explicitly, a loadUser of the wrong type is refused.
QrLoginModule.forRoot<User>({
  appAuth: { strategies: ['jwt'] },
  // @ts-expect-error: loadUser must return a User (or null to refuse).
  loadUser: async (userId) => ({ id: userId }),
});

// forRootAsync: the factory's options carry the type too.
QrLoginModule.forRootAsync<User>({
  useFactory: (): QrLoginModuleOptions<User> => ({
    appAuth: { strategies: ['jwt'] },
    loadUser: findUser,
    issueTokenSet: (user) => ({ access_token: user.email }),
  }),
});

@Injectable()
export class TypedOptions implements QrLoginOptionsFactory<User> {
  createQrLoginOptions(): QrLoginModuleOptions<User> {
    // @ts-expect-error: issueTokenSet takes a User, not a number.
    return { appAuth: { strategies: ['jwt'] }, loadUser: findUser, issueTokenSet: (user: number) => user };
  }
}

@Controller('session')
export class SessionController {
  constructor(private readonly qrLogin: QrLoginService<User>) {}

  @Post('qr')
  @UseGuards(QrLoginGuard)
  async start(@Req() req: QrLoginRequest<User>): Promise<string> {
    const email: string = req.user.email;
    // @ts-expect-error: req.user is a User, which has no `name`.
    const _noName = req.user.name;
    const signIn = getQrLoginContext(req);
    const sameUser: User | undefined = signIn?.user;
    // @ts-expect-error: the context's user is a User too.
    const _noContextName = signIn?.user.name;
    const amr: readonly string[] | undefined = signIn?.amr;
    // The service's hooks take and give the same type.
    if (signIn) {
      const loaded: User = await this.qrLogin.loadUser(signIn);
      await this.qrLogin.issueTokenSet(loaded, signIn);
      // @ts-expect-error: issueTokenSet takes a User.
      await this.qrLogin.issueTokenSet({ id: 'x' }, signIn);
    }
    return `${email} ${sameUser?.id} ${amr?.join()}`;
  }
}
