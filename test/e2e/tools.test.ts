// Every tool end to end under the engine's default runtime (runc); the suite is in tool-suite.ts,
// and tools-runsc.test.ts runs it again under gVisor.
import { describeToolSuite } from './tool-suite.js';

describeToolSuite({ runtime: 'runc', webRuntime: 'runc' });
