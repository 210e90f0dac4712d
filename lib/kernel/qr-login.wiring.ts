import type { ResolvedQrLoginConfig } from './qr-login.config';
import { QrLoginAudit } from './qr-login.audit';
import { QrLoginAppActions } from './qr-login.app-actions';
import { QrCodeIssuer } from './qr-code.issuer';
import { QrLoginStatusReader } from './qr-login.status-reader';
import { QrCodeRepository } from './qr-code.repository';
import { QrLoginRedeemer } from './qr-login.redeemer';
import { QrLoginRotator } from './qr-login.rotator';
import { QrLoginWatcher } from './qr-login.watcher';
import { QrLoginUserCodes } from './user-code.aliases';
import { QrLoginFeeds } from './qr-login.feeds';
import type { QrLoginStore } from './interfaces/qr-login-store.interface';
import type { QrLoginRiskPort } from './interfaces/qr-login-risk.port';
import { QR_LOGIN_NO_INSTRUMENTATION, type QrLoginInstrumentation } from './interfaces/qr-login-instrumentation.port';
import type { QrLoginApprovalPort } from './interfaces/qr-login-approval.port';

/** The kernel's parts that `QrLoginService` answers through, one set per module. @internal */
export interface QrLoginKernelParts {
  repository: QrCodeRepository;
  audit: QrLoginAudit;
  userCodes: QrLoginUserCodes;
  issuer: QrCodeIssuer;
  reader: QrLoginStatusReader;
  watcher: QrLoginWatcher;
  actions: QrLoginAppActions;
  redeemer: QrLoginRedeemer;
}

/**
 * Builds the kernel's parts over one store and one clock. They share one
 * repository (every write is its compare-and-set), one audit trail (every
 * event and expiry check) and one rotator, so a code rotated by a read, a
 * watch or an action is the same code everywhere. `risk` is the assessment
 * a scan asks (the module plugs in the risk layer's). `instrumentation`
 * measures each action and stream, and wraps the store once, here, so every
 * store call of every part goes through what it returns. `approval` says how
 * a scanned code is approved and checks passkey assertions (none: by token).
 * @internal
 */
export function wireQrLoginKernel(
  config: ResolvedQrLoginConfig,
  rawStore: QrLoginStore,
  risk: QrLoginRiskPort,
  instrumentation: QrLoginInstrumentation = QR_LOGIN_NO_INSTRUMENTATION,
  approval?: QrLoginApprovalPort,
): QrLoginKernelParts {
  const clock = config.clock;
  const store = instrumentation.wrapStore(rawStore);
  const repository = new QrCodeRepository(store, clock);
  const audit = new QrLoginAudit(clock, (id) => repository.get(id));
  const userCodes = new QrLoginUserCodes(repository);
  const rotator = new QrLoginRotator(repository, audit, config, userCodes);
  const feeds = new QrLoginFeeds(store);
  return {
    repository,
    audit,
    userCodes,
    issuer: new QrCodeIssuer(config, repository, audit, rotator, userCodes, instrumentation),
    reader: new QrLoginStatusReader(repository, clock, rotator, instrumentation),
    watcher: new QrLoginWatcher(repository, (id) => feeds.of(id), clock, rotator, instrumentation),
    actions: new QrLoginAppActions(config, repository, audit, risk, instrumentation, approval),
    redeemer: new QrLoginRedeemer(repository, audit, config, instrumentation),
  };
}
