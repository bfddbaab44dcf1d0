export { dockerError, dockerStatus, isNotFound } from './docker-errors.ts';
