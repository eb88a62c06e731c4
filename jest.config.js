/** Unit tests of the lab extension: its pure functions and its React components (in jsdom). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/labextension/test'],
  transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/labextension/test/tsconfig.json' }] }
};
