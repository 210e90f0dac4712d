/*
 * Texts of `<qr-login-code>`, in English and Simplified Chinese. A page can
 * replace any of them through the element's `messages` property.
 */

/** Every text the element shows; functions get the parts that vary. */
export interface QrLoginCodeMessages {
  /** `alt` of the QR image. */
  image: string;
  /** While the code is being created. */
  creating: string;
  /** Waiting for a scan. */
  pending: string;
  /** Waiting for a scan, right after the server replaced (rotated) the code. */
  rotated: string;
  /** Someone scanned; `name` is theirs, or `someone`. */
  scanned(name: string): string;
  /** Someone scanned, with number matching: `match` is the number to pick on the phone. */
  scannedMatch(name: string, match: string): string;
  /** Stands for the scanner's name when the page may not see it. */
  someone: string;
  /** Confirmed on the phone; the ticket is being redeemed. */
  redeeming: string;
  /** Redeemed: the page is logged in. */
  authorized: string;
  /** Cancelled on the phone. */
  cancelled: string;
  /** Cancelled because the phone picked the wrong number. */
  matchFailed: string;
  /** Expired; a new code follows by itself. */
  expiredRefreshing: string;
  /** Expired; only the refresh button brings a new code. */
  expired: string;
  /** The refresh button. */
  refresh: string;
  /** Before the number to pick on the phone. */
  matchCode: string;
  /** Before the short code to type in the app. */
  userCode: string;
  /** Time left, `time` as `m:ss`. */
  countdown(time: string): string;
  /** A passing failure the element retries by itself. */
  retrying: string;
  /** A failure that stopped the login, by the server's `code`, with `default` for the rest. */
  errors: { default: string } & Record<string, string>;
}

/** Languages with texts of their own. */
export type QrLoginCodeLanguage = 'en' | 'zh-CN';

const EN: QrLoginCodeMessages = {
  image: 'QR code: scan it with the app on your phone to log in',
  creating: 'Creating a code…',
  pending: 'Waiting for a scan…',
  rotated: 'A fresh code for safety. Waiting for a scan…',
  scanned: (name) => `${name} scanned the code. Confirm on the phone.`,
  scannedMatch: (name, match) => `${name} scanned the code. Pick ${match} on the phone to confirm.`,
  someone: 'Someone',
  redeeming: 'Confirmed. Signing you in…',
  authorized: 'Signed in.',
  cancelled: 'The login was cancelled on the phone.',
  matchFailed: 'The phone picked the wrong number, so the login was cancelled.',
  expiredRefreshing: 'The code expired. Here comes a new one…',
  expired: 'The code expired.',
  refresh: 'Show a new code',
  matchCode: 'On your phone, pick',
  userCode: 'No camera? Type this code in the app:',
  countdown: (time) => `Expires in ${time}`,
  retrying: 'Connection trouble; retrying…',
  errors: {
    default: 'Something went wrong. Show a new code to try again.',
    QR_RATE_LIMITED: 'Too many attempts. Wait a moment, then show a new code.',
    QR_NETWORK_ERROR: 'The server cannot be reached. Check the connection, then show a new code.',
    QR_STORE_UNAVAILABLE: 'The service is busy. Show a new code in a moment.',
  },
};

const ZH_CN: QrLoginCodeMessages = {
  image: '二维码：用手机上的应用扫描即可登录',
  creating: '正在生成二维码…',
  pending: '等待扫码…',
  rotated: '为了安全，二维码已更新。等待扫码…',
  scanned: (name) => `${name} 已扫码，请在手机上确认。`,
  scannedMatch: (name, match) => `${name} 已扫码，请在手机上选择 ${match} 以确认。`,
  someone: '有人',
  redeeming: '已确认，正在登录…',
  authorized: '登录成功。',
  cancelled: '已在手机上取消登录。',
  matchFailed: '手机上选择的数字不对，登录已取消。',
  expiredRefreshing: '二维码已过期，正在生成新的二维码…',
  expired: '二维码已过期。',
  refresh: '刷新二维码',
  matchCode: '请在手机上选择',
  userCode: '无法扫码？在应用中输入：',
  countdown: (time) => `${time} 后过期`,
  retrying: '连接出现问题，正在重试…',
  errors: {
    default: '出错了，请刷新二维码后重试。',
    QR_RATE_LIMITED: '尝试次数过多，请稍候再刷新二维码。',
    QR_NETWORK_ERROR: '无法连接服务器，请检查网络后刷新二维码。',
    QR_STORE_UNAVAILABLE: '服务繁忙，请稍后刷新二维码。',
  },
};

/** The built-in texts of each language. */
export const QR_LOGIN_CODE_MESSAGES: Readonly<Record<QrLoginCodeLanguage, QrLoginCodeMessages>> = {
  en: EN,
  'zh-CN': ZH_CN,
};

/**
 * The built-in language for a BCP 47 tag: any Chinese tag (`zh`, `zh-CN`,
 * `zh-Hans`, and for lack of Traditional texts `zh-TW` too) reads
 * Simplified Chinese; everything else, and no tag, English.
 */
export function qrLoginCodeLanguageOf(tag: string | null | undefined): QrLoginCodeLanguage {
  return /^zh(?:-|_|$)/i.test((tag ?? '').trim()) ? 'zh-CN' : 'en';
}
