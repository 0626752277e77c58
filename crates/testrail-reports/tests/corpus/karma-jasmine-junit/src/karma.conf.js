module.exports = function (config) {
  config.set({
    frameworks: ['jasmine'],
    files: ['test/shop.spec.js'],
    browsers: ['ChromiumHeadlessNoSandbox'],
    customLaunchers: {
      ChromiumHeadlessNoSandbox: { base: 'ChromeHeadless', flags: ['--no-sandbox'] },
    },
    reporters: ['progress', 'junit'],
    junitReporter: { outputDir: '..', outputFile: 'report.xml', useBrowserName: false },
    client: { jasmine: { random: false } },
    singleRun: true,
    logLevel: config.LOG_WARN,
  });
};
