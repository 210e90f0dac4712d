import { expect } from 'vitest';
import { QrLoginWechatConfigError } from '../../lib/plugins/wechat/wechat.errors';

const PREFIX = 'QrLoginWechatModule is misconfigured: ';

/**
 * What `resolve` is refused with: the message without the module's prefix
 * (asserted to be there, on a QrLoginWechatConfigError), or 'ok' when it is
 * accepted. For the specs of the module's option checks.
 */
export function configRefusal(resolve: () => unknown): string {
  try {
    resolve();
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(QrLoginWechatConfigError);
    const message = (error as Error).message;
    expect(message.startsWith(PREFIX)).toBe(true);
    return message.slice(PREFIX.length);
  }
}
