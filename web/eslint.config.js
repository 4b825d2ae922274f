// The console's modules checked for what a split into modules can break and a browser finds only when the
// line runs: a name used but neither defined nor imported (no-undef), an import of a name a module does not
// export (import checks are the browser's; this catches the undefined uses), and unused names and imports.
// Run by ctest (console.lint): npx eslint console unit.
const globals = require('globals');

module.exports = [
  {
    files: ['console/**/*.js', 'unit/**/*.mjs'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.browser, echarts: 'readonly' },
    },
    rules: {
      'no-undef': 'error',
      'no-unused-vars': ['error', { args: 'none' }],
      'no-redeclare': 'error',
      'no-dupe-keys': 'error',
      'no-unreachable': 'error',
    },
  },
  { files: ['unit/**/*.mjs'], languageOptions: { globals: { ...globals.node } } },
];
