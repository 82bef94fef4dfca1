export { addJob, AddJobOptions, JOBS_SCHEMA } from './queue';
export { startJobRunner, JobRunner, TaskHandler, TaskHandlers } from './runner';
export { installJobSchema } from './install';
export { JobPayloads, TaskName } from './tasks';
