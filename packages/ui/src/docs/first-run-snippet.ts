/**
 * The first-run example of the empty state (UI.md §17.1). It lives here, in one module, so a unit
 * test can check the import name against what the client package really exports.
 */
export const CLIENT_PACKAGE = 'kohakuboard';
export const CLIENT_EXPORT = 'Board';

export const INSTALL_COMMAND = `npm install ${CLIENT_PACKAGE}`;

export function typescriptSnippet(project = 'demo'): string {
  return `import { ${CLIENT_EXPORT} } from '${CLIENT_PACKAGE}';

const board = new ${CLIENT_EXPORT}({ name: 'first-run', project: '${project}', config: { lr: 1e-3 } });
for (let i = 0; i < 100; i++) {
  board.log({ loss: 1 / (i + 1) });
}
await board.finish();`;
}

export function pythonSnippet(project = 'demo'): string {
  return `from kohakuboard.client import Board
board = Board(name="first-run", project="${project}", config={"lr": 1e-3})
for i in range(100):
    board.log(loss=1 / (i + 1))
board.finish()`;
}
