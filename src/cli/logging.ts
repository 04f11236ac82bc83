// How `coffer serve` logs: pino JSON lines when stdout is a file or a pipe, short human-readable lines on a terminal.
import pino from 'pino';
import pretty from 'pino-pretty';
import type { RequestLogLevel } from '../http/request-log.ts';

export interface Logging {
  logger: pino.Logger;
  /** Where the application's (Fastify's) log lines go: the same stream as the logger's. */
  stream: pino.DestinationStream;
  /** One line per request: at info in JSON (for log collectors), at debug on a terminal (shown with COFFER_LOG_LEVEL=debug). */
  requestLogLevel: RequestLogLevel;
}

interface LogLine {
  msg?: string;
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
  responseTime?: number;
}

/** `GET /customers 200 3 ms` for request lines, the message alone for the rest. */
function terminalMessage(log: LogLine, messageKey: string): string {
  const message = String((log as Record<string, unknown>)[messageKey] ?? '');
  if (log.req?.method && log.res?.statusCode !== undefined) {
    const ms = log.responseTime === undefined ? '' : ` ${log.responseTime.toFixed(1)} ms`;
    return `${log.req.method} ${log.req.url} ${log.res.statusCode}${ms}${message === 'request completed' ? '' : ` ${message}`}`;
  }
  return message;
}

export function createLogging(level: string, options: { terminal: boolean; colour: boolean }): Logging {
  if (!options.terminal) {
    // One synchronous stream for Coffer's and Fastify's lines: they stay in order with each other and with the banner.
    const stream = pino.destination({ dest: 1, sync: true });
    return { logger: pino({ level }, stream), stream, requestLogLevel: 'info' };
  }
  const stream = pretty({
    colorize: options.colour,
    sync: true, // in order with the banner, which is written to stdout directly
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,reqId,req,res,responseTime',
    messageFormat: (log, messageKey) => terminalMessage(log as LogLine, messageKey),
    singleLine: true,
  });
  return { logger: pino({ level }, stream), stream, requestLogLevel: 'debug' };
}
