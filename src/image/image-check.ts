// What the image store's files must hold to be used: repositories.json (name -> image ID) and each
// image's record (<root>/images/<id hex>.json: config and layers). A file that fails is reported by
// path with what is wrong and what to do; it is never read as empty (the next tag would then write
// an empty map over every other name) nor half trusted (a run would crash on it every time).
import { boolean, listOf, matching, nullable, number, object, optional, recordOf, string, type Check } from '../../hooks/state-file.js';
import type { ImageConfig, ImageRecord } from './store.js';

const IMAGE_ID = matching(/^sha256:[0-9a-f]{64}$/, 'an image ID (sha256:<64 hex digits>)');
const DIGEST = matching(/^sha256:[0-9a-f]{64}$/, 'a layer digest (sha256:<64 hex digits>)');

export const repositoriesCheck: Check<Record<string, string>> = recordOf(IMAGE_ID);

const strings = optional(nullable(listOf(string)));

const configCheck = object({
  Env: strings,
  Cmd: strings,
  Entrypoint: strings,
  WorkingDir: optional(nullable(string)),
  User: optional(nullable(string)),
  Labels: optional(nullable(recordOf(string))),
  ExposedPorts: optional(nullable(recordOf(object({})))),
  Volumes: optional(nullable(recordOf(object({})))),
  StopSignal: optional(nullable(string)),
  Shell: strings,
  Healthcheck: optional(nullable(object({ Test: strings, Interval: optional(number), Timeout: optional(number), StartPeriod: optional(number), StartInterval: optional(number), Retries: optional(number) }))),
  OnBuild: strings,
}) as Check<ImageConfig>;

export const imageRecordCheck: Check<ImageRecord> = object({
  id: IMAGE_ID,
  created: string,
  size: number,
  layers: listOf(DIGEST),
  config: configCheck,
  history: optional(listOf(object({ created: string, createdBy: string, size: number, emptyLayer: optional(boolean) }))),
  parent: optional(IMAGE_ID),
});

export const REPOSITORIES_HINT = 'repair the file, or remove it: the images stay, by ID, and can be named again with mydocker tag';

export function imageHint(ref: string): string {
  return `remove the image with: mydocker rmi ${ref}, then import, pull or load it again`;
}
