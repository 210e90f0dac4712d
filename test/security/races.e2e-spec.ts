import { beforeAll, expect, it } from 'vitest';
import { asUser, creatorHeader } from '../support/http';
import { describeMatrix, type MatrixApp } from '../support/matrix';

const CONCURRENCY = 200;

const count = (statuses: number[], wanted: (s: number) => boolean) => statuses.filter(wanted).length;
const is2xx = (s: number) => s >= 200 && s < 300;

describeMatrix('races', {}, (current) => {
  let api: MatrixApp['api'];
  beforeAll(() => {
    ({ api } = current());
  });

  it(`${CONCURRENCY} concurrent CONFIRMs: exactly one succeeds`, async () => {
    const id = (await api.create()).body.qrcodeId;
    await api.act(id, 'scan', asUser('alice'));
    const results = await Promise.all(
      Array.from({ length: CONCURRENCY }, () => api.act(id, 'confirm', asUser('alice'))),
    );
    const statuses = results.map((r) => r.status);
    expect(count(statuses, is2xx)).toBe(1);
    expect(count(statuses, (s) => s === 409)).toBe(CONCURRENCY - 1);
  });

  it(`${CONCURRENCY} concurrent redemptions of one ticket: exactly one succeeds`, async () => {
    const created = await api.create();
    const id = created.body.qrcodeId;
    await api.act(id, 'scan', asUser('alice'));
    await api.act(id, 'confirm', asUser('alice'));
    const ticket = (await api.status(id, creatorHeader(created))).body.ticket;
    const results = await Promise.all(
      Array.from({ length: CONCURRENCY }, () => api.login(ticket, creatorHeader(created))),
    );
    const statuses = results.map((r) => r.status);
    expect(count(statuses, is2xx)).toBe(1);
    expect(results.filter((r) => r.status === 401).every((r) => r.body.code === 'QR_TICKET_USED')).toBe(true);
    expect(count(statuses, (s) => s === 401)).toBe(CONCURRENCY - 1);
  });

  it('SCAN by two users at once: exactly one owner', async () => {
    for (let round = 0; round < 20; round++) {
      const id = (await api.create()).body.qrcodeId;
      const [a, b] = await Promise.all([api.act(id, 'scan', asUser('alice')), api.act(id, 'scan', asUser('bob'))]);
      expect([a.status, b.status].sort()).toEqual([200, 409]);
      const owner = a.status === 200 ? 'alice' : 'bob';
      const other = owner === 'alice' ? 'bob' : 'alice';
      expect((await api.act(id, 'confirm', asUser(other))).status).toBe(403);
      expect((await api.act(id, 'confirm', asUser(owner))).status).toBe(200);
    }
  });

  it('CONFIRM racing CANCEL: exactly one wins and the status agrees', async () => {
    for (let round = 0; round < 20; round++) {
      const id = (await api.create()).body.qrcodeId;
      await api.act(id, 'scan', asUser('alice'));
      const [confirm, cancel] = await Promise.all([
        api.act(id, 'confirm', asUser('alice')),
        api.act(id, 'cancel', asUser('alice')),
      ]);
      expect([confirm.status, cancel.status].sort()).toEqual([200, 409]);
      const final = (await api.status(id)).body.status;
      expect(final).toBe(confirm.status === 200 ? 'AUTHORIZED' : 'CANCELLED');
    }
  });
});
