import type { OptionSpec } from './option-spec.js';
import { parseByteSize } from './parse-byte-size.js';

/** gRPC messages are limited to 2 GiB - 1. */
const MAX_MESSAGE_SIZE = 2 ** 31 - 1;
const DEFAULT_MESSAGE_SIZE = '104857600';

const parseMessageSize = (raw: unknown): number => parseByteSize(raw, { max: MAX_MESSAGE_SIZE });

/** `--max-recv-msg-size`, `--max-send-msg-size`: the same for every command that speaks gRPC. */
export function messageSizeOptionSpecs(): {
  readonly maxRecvMsgSize: OptionSpec<number>;
  readonly maxSendMsgSize: OptionSpec<number>;
} {
  return {
    maxRecvMsgSize: {
      flag: 'max-recv-msg-size',
      key: 'maxRecvMsgSize',
      default: DEFAULT_MESSAGE_SIZE,
      metavar: 'bytes',
      doc: 'Largest gRPC message accepted.',
      parse: parseMessageSize,
    },
    maxSendMsgSize: {
      flag: 'max-send-msg-size',
      key: 'maxSendMsgSize',
      default: DEFAULT_MESSAGE_SIZE,
      metavar: 'bytes',
      doc: 'Largest gRPC message sent.',
      parse: parseMessageSize,
    },
  };
}
