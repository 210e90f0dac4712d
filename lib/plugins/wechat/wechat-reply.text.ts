import type { WechatReply } from './interfaces/wechat-options.interface';

/**
 * The default wording of the official account's passive replies (English;
 * `replyText` rewords them). The prompt names the site and the requesting
 * browser and place before anything is confirmed: what the user needs to
 * notice a login they did not start.
 */
export function defaultWechatReplyText(reply: WechatReply): string {
  const site = reply.appName ?? 'the website';
  switch (reply.kind) {
    case 'prompt': {
      const agent = [reply.browser, reply.os].filter(Boolean).join(' on ') || 'an unknown browser';
      const place = [reply.city, reply.country].filter(Boolean).join(', ');
      const where = [place, reply.ip ? `IP ${reply.ip}` : ''].filter(Boolean).join(', ');
      const how = reply.answer === 'number' ? 'reply with the number that page shows' : `reply ${reply.keyword}`;
      return [
        `Log in to ${site}?`,
        `Requested by ${agent}${where ? ` (${where})` : ''}.`,
        `To confirm, ${how} within ${Math.max(1, Math.round(reply.expiresIn))} s. Any other reply cancels.`,
        'If you did not just try to log in, do not confirm.',
      ].join('\n');
    }
    case 'confirmed':
      return `You are now logged in to ${site}.`;
    case 'cancelled':
      return `The login to ${site} was cancelled.`;
    case 'expired':
      return `The login request for ${site} has expired; scan the code again.`;
  }
}
