module.exports = {
  reporters: [
    ['jest-junit', {
      outputDirectory: process.env.JUNIT_DIR || '.',
      outputName: 'junit.xml',
      classNameTemplate: '{classname}',
      titleTemplate: '{title}',
      ancestorSeparator: ' › ',
    }],
  ],
};
