import { Logger as WorkerLogger, LogFunctionFactory } from 'graphile-worker';
import type { Logger } from 'pino';

/** graphile-worker's log lines through the gateway's pino logger. */
export function jobLogger(logger: Logger): WorkerLogger {
  const factory: LogFunctionFactory = (scope) => (level, message, meta) => {
    const fields = { ...scope, ...meta, component: 'jobs' };
    if (level === 'error') logger.error(fields, message);
    else if (level === 'warning') logger.warn(fields, message);
    else if (level === 'info') logger.info(fields, message);
    else logger.debug(fields, message);
  };
  return new WorkerLogger(factory);
}

export const silentJobLogger = new WorkerLogger(() => () => undefined);
