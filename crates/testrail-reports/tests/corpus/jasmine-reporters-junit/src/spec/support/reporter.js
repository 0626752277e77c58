const reporters = require('jasmine-reporters');
jasmine.getEnv().clearReporters();
jasmine.getEnv().addReporter(new reporters.JUnitXmlReporter({
  savePath: process.env.JUNIT_DIR || '.',
  filePrefix: 'junitresults',
  consolidateAll: true,
}));
