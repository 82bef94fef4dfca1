import { fromDatabaseError } from '../../src/platform/errors/prisma-errors';

// The ways a database outage reaches the gateway, each seen under load with PostgreSQL stopped
// (test/chaos/postgres-restart.chaos.test.ts): all are 503 service_unavailable with a Retry-After.
describe('database errors', () => {
  const unavailable = { code: 'service_unavailable', status: 503, retryAfter: 2 };

  it('maps an outage however it is reported', () => {
    const cases: unknown[] = [
      { code: '57P01', message: 'terminating connection due to administrator command' },
      { code: 'ECONNREFUSED' },
      Object.assign(new Error('Client has encountered a connection error and is not queryable')),
      new Error('Connection terminated unexpectedly'),
      // A raw query (P2010) wraps the driver's error; its SQLSTATE is in the meta.
      { code: 'P2010', message: 'Raw query failed. Code: `57P01`.', meta: { driverAdapterError: { cause: { originalCode: '57P01', kind: 'postgres' } } } },
      { code: 'P2010', message: "Raw query failed. Code: `N/A`. Message: `Can't reach database server at 127.0.0.1:5`" },
      { code: 'P1001' },
      { code: 'P1017' },
      { code: 'P2024', message: 'Timed out fetching a new connection from the connection pool' },
      { name: 'Wrapper', cause: { code: '08006' } },
    ];
    for (const err of cases) expect(fromDatabaseError(err)).toMatchObject(unavailable);
  });

  it('leaves what is not an outage alone, and maps a wrapped SQLSTATE like a bare one', () => {
    expect(fromDatabaseError(new Error('something else'))).toBeUndefined();
    expect(fromDatabaseError({ code: 'P2010', meta: { driverAdapterError: { cause: { originalCode: '40001' } } } })).toMatchObject({ code: 'conflict' });
    expect(fromDatabaseError({ code: 'P2010', meta: { driverAdapterError: { cause: { originalCode: '42601' } } } })).toBeUndefined();
    // A NUL character in a text value (found by the bad-input fuzzer): the client's mistake, not ours.
    expect(fromDatabaseError({ code: 'P2039', meta: { driverAdapterError: { cause: { originalCode: '22021', kind: 'postgres' } } } })).toMatchObject({ code: 'invalid_request', status: 400 });
  });
});
