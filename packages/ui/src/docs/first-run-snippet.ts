/**
 * The first-run example of the empty state (docs/ui.md#empty-states). It lives here, in one module, so a unit
 * test can check the import name against what the client package really exports.
 */
export const CLIENT_PACKAGE = 'kohakuboard';
export const CLIENT_EXPORT = 'Board';
/** The series math the client depends on, published from the same repository. */
export const SERIES_PACKAGE = '@kohakuboard/series';

/**
 * How to install the client today: it is not on the npm registry yet, so from a built clone of the
 * repository (`npm ci && npm run build` there), either as a folder or as packed tarballs. The client's
 * tarball needs the series package's beside it, since npm cannot fetch that one either.
 */
export function installSteps(version = '<version>'): {
  fromClone: string;
  pack: string;
  fromTarballs: string;
} {
  return {
    fromClone: `npm install <clone>/packages/${CLIENT_PACKAGE}`,
    pack: 'npm pack ./packages/series ./packages/kohakuboard',
    fromTarballs: `npm install ./kohakuboard-series-${version}.tgz ./${CLIENT_PACKAGE}-${version}.tgz`,
  };
}

/** The install command once the package is published to the npm registry. */
export const REGISTRY_INSTALL_COMMAND = `npm install ${CLIENT_PACKAGE}`;

export function typescriptSnippet(project = 'demo'): string {
  return `import { ${CLIENT_EXPORT} } from '${CLIENT_PACKAGE}';

const board = new ${CLIENT_EXPORT}({
  name: 'first-run',
  project: '${project}',
  config: { lr: 1e-3 },
});
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
