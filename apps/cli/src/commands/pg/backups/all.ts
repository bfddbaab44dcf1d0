import { register as registerList } from './index.ts';
import { register as registerCapture } from './capture.ts';
import { register as registerInfo } from './info.ts';
import { register as registerRestore } from './restore.ts';
import { register as registerDownload } from './download.ts';
import { register as registerDelete } from './delete.ts';
import { register as registerSchedule } from './schedule.ts';
import { register as registerSchedules } from './schedules.ts';
import { register as registerUnschedule } from './unschedule.ts';

/** Every `pg:backups*` command, in the order `platform help` lists them. */
export const pgBackupCommands = [
  registerList,
  registerCapture,
  registerInfo,
  registerRestore,
  registerDownload,
  registerDelete,
  registerSchedule,
  registerSchedules,
  registerUnschedule,
];
