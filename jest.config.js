/** Unit tests of the lab extension's pure functions (tags, graph layout, formatting). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/labextension/test'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/labextension/test/tsconfig.json' }] }
};
