export { createSwarmRuntime, type SwarmRuntimeOptions } from './swarm-runtime.ts';
export { createSwarmNetworks, type SwarmNetworking, type SwarmNetworks } from './networks.ts';
export { imageReference, serviceSpec, type AddressMode, type ServiceSettings } from './service-spec.ts';
export { listSwarmNodes, type SwarmNode } from './nodes.ts';
export { createRegistryClient, type RegistryClient, type RegistryClientOptions } from './registry-api.ts';
export {
  dynosOnNode,
  findSwarmNode,
  setNodeAvailability,
  type DynoOnNode,
  type NodeAvailability,
} from './node-availability.ts';
export {
  collectNodeImages,
  removeNodeGcLeftovers,
  type NodeImageCollection,
  type NodeImageCollectionOptions,
  type NodeImageReport,
} from './node-image-gc.ts';
