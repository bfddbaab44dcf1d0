export { createMemoryRuntime, type MemoryRuntime, type MemoryRuntimeControl, type MemoryRuntimeOptions } from './memory-runtime.ts';
export type { BehaviourRule, DynoBehaviour } from './behaviour.ts';
export type { FakeDyno, FakeExit } from './fake-dyno.ts';
