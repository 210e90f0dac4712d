import { isIP } from 'node:net';
import type { QrLoginModuleOptions } from '../lib';
import type { AuthService } from './auth/auth.service';
import type { SampleUser } from './auth/users.service';
import type { SampleSettings } from './sample.settings';

/** The host a passkey of the sample's public URL belongs to: its name; none for an IP address (WebAuthn allows none). */
export function passkeyHostOf(publicUrl: string | undefined): string | undefined {
  if (!publicUrl) return undefined;
  const host = new URL(publicUrl).hostname.replace(/^\[|\]$/g, '');
  return isIP(host) ? undefined : host;
}

/**
 * The sample's passkey approval: every code is confirmed with the phone's
 * passkey over what the phone shows, so the app token the password login
 * gave is not enough on its own. A phone registers its passkey right after a
 * password login, within the enrolment window (`AuthService.mayRegisterPasskey`).
 */
export function passkeyOptionsOf(
  sample: SampleSettings,
  auth: AuthService,
): Pick<QrLoginModuleOptions, 'approval' | 'passkeys'> {
  const rpId = passkeyHostOf(sample.publicUrl);
  if (!sample.passkeys || !rpId || !sample.publicUrl) return {};
  return {
    approval: 'passkey',
    passkeys: {
      rpId,
      origins: sample.publicUrl,
      rpName: 'nestjs-qr-login sample',
      mayRegister: (user) => auth.mayRegisterPasskey((user as SampleUser).id),
    },
  };
}
