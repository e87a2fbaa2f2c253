// The wire vocabulary of proto/agent/v1/agent.proto, in one place: the tool-parameter tables,
// the state, stream and cause mappings, and the version-skew rules. docs/protocol.md points here.
export { CAUSES, isKnownCause, stateOfCause, type CauseRow } from './causes.js';
export { streamName, wireStream, type StreamName } from './output-streams.js';
export { PARAM_KEYS, paramsFromStrings, type ParamValue } from './params-from-strings.js';
export {
  DEFAULT_MAX_MESSAGE_BYTES,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  negotiateProtocolVersion,
  peerProtocolVersion,
  peerReceiveLimit,
} from './protocol-version.js';
export { isFinalTaskState, taskStateName, wireState, type FinalState } from './task-states.js';
export {
  BUILTIN_TOOL_PARAMS_CASES,
  BUILTIN_TOOL_TYPES,
  PARAMS_MESSAGE_NAMES,
  TOOL_TYPE_PATTERN,
  isBuiltinToolType,
  paramsCaseForTool,
  toolTypeForParamsCase,
  type BuiltinParamsCase,
  type BuiltinToolType,
  type ParamsCase,
  type ParamsValue,
  type TaskParams,
} from './tool-params.js';
