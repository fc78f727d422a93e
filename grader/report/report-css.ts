/**
 * The report's styles, inlined into every page that shows a report (the server's and the
 * file `grader check --html` writes), so a report is one self-contained file.
 */
export const REPORT_CSS = `
.report { max-width: 60rem; }
.report-head h1 { margin: 0 0 .25rem; font-size: 1.5rem; }
.score-line { display: flex; gap: .75rem; align-items: baseline; margin: .5rem 0; flex-wrap: wrap; }
.score { font-size: 1.75rem; }
.score-label { color: #555; }
.result-status, .verdict, .tag { display: inline-block; padding: .05rem .5rem; border-radius: .75rem; font-size: .85rem; border: 1px solid transparent; }
.result-graded { background: #e8f0fe; color: #1a4fa0; }
.result-compile_error, .result-error { background: #fde8e8; color: #9b1c1c; }
.result-missing { background: #f3f3f3; color: #555; }
.verdict-passed { background: #e6f4ea; color: #1e6b34; }
.verdict-failed, .verdict-error { background: #fde8e8; color: #9b1c1c; }
.verdict-timeout { background: #fff4e0; color: #8a5100; }
.verdict-killed { background: #f3e8fd; color: #5b2a86; }
.tag-hidden { background: #f3f3f3; color: #444; border-color: #ccc; }
.meta { display: flex; flex-wrap: wrap; gap: .25rem 1.5rem; margin: .5rem 0 1rem; font-size: .85rem; color: #444; }
.meta div { display: flex; gap: .35rem; }
.meta dt { color: #777; }
.meta dd { margin: 0; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.test-list { list-style: none; padding: 0; margin: 0; }
.test { border: 1px solid #ddd; border-left-width: 4px; border-radius: .25rem; margin: 0 0 .75rem; padding: .5rem .75rem; }
.test-passed { border-left-color: #2e8b57; }
.test-failed, .test-error { border-left-color: #c62828; }
.test-timeout { border-left-color: #e69500; }
.test-killed { border-left-color: #7b3fb0; }
.test-head { display: flex; gap: .5rem; align-items: baseline; flex-wrap: wrap; }
.test-name { font-weight: 600; flex: 1 1 auto; }
.test-points { font-variant-numeric: tabular-nums; }
.test-output, .result-output pre, .excerpt { white-space: pre-wrap; word-break: break-word; background: #f7f7f8; padding: .5rem; border-radius: .25rem; font-size: .85rem; margin: .5rem 0 0; }
.compile-errors ul, .compile-warnings ul { list-style: none; padding: 0; }
.compile-error { margin: 0 0 .75rem; }
.compile-error .code { color: #777; font-size: .85rem; }
.compile-error.is-error .message { color: #9b1c1c; }
.excerpt .line-no { color: #999; user-select: none; }
.excerpt .caret { color: #c62828; font-weight: bold; }
.hidden-pending, .provisional { background: #fff8e1; border: 1px solid #f0d98c; padding: .5rem .75rem; border-radius: .25rem; }
@media print { .test { break-inside: avoid; } }
`;
