// `npm run test:chaos`: the slow fault scenarios (test/chaos/*.chaos.test.ts): the gateway killed, its
// PostgreSQL and Redis stopped and restarted, under load. Separate from `npm test` for their run time; the same
// global setup (a migrated template database per run), one file at a time.
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/chaos/**/*.chaos.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  maxWorkers: 1,
  testTimeout: 300000,
  // A failed scenario can leave what it started (a load driver, database clients) behind, and jest would then wait
  // for it forever instead of reporting: seen once in CI. The scenarios stop their own servers either way.
  forceExit: true,
};
