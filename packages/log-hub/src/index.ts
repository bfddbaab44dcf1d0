export { createLogHub, type LogHub, type LogHubOptions, type LogSubscription, type SubscribeOptions } from './hub.ts';
export {
  formatEntry,
  formatTimestamp,
  matchesFilter,
  nowMicros,
  splitMessage,
  MAX_LINE_BYTES,
  type LogEntry,
  type LogFilter,
  type LogInput,
} from './entry.ts';
export { parseDrainUrl, redactDrainUrl, type DrainTarget } from './drain-url.ts';
export {
  checkDrainAddress,
  classifyAddress,
  drainRefusalMessage,
  DRAIN_ALLOWANCES,
  DRAIN_ALLOW_SETTING,
  type AddressKind,
  type DrainAddressVerdict,
  type DrainAllowance,
  type DrainPolicy,
  type DrainRefusal,
} from './drain-policy.ts';
export {
  createDestinationGuard,
  drainRefusalOf,
  systemDrainResolver,
  type DestinationGuard,
  type DrainDestinationPolicy,
  type DrainResolver,
} from './destination-guard.ts';
export { octetFrame, parseOctetFrames, priorityOf, toHttpDrainMessage, toSyslogMessage } from './syslog.ts';
export { logplexBody } from './drains/http-drain.ts';
export type { Drain, DrainConfig } from './drains/drain.ts';
