/**
 * The requests the web UI makes, read from its source (packages/ui/src/api/endpoints.ts) with the TypeScript
 * parser: for every call of apiJson, apiBytes, apiStream, apiText and apiUrl, the path (with `{}` where a
 * name goes), the method, the query keys and the body keys. Query and body objects are followed through
 * object literals, spreads of typed parameters (interfaces, `extends Omit<…>`) and local helper functions
 * that return an object literal; any other form fails loudly, so that the list never silently shrinks.
 */
import { readFileSync } from 'node:fs';
import ts from 'typescript';

export interface UiRequest {
  /** e.g. `/api/projects/{}/runs/{}/scalars/{}` */
  path: string;
  method: 'GET' | 'POST' | 'PATCH';
  query: string[];
  body: string[];
  /** Where in endpoints.ts (for messages). */
  at: string;
}

const CALLS = new Set(['apiJson', 'apiBytes', 'apiStream', 'apiText']);

export function uiRequests(file: string): UiRequest[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const interfaces = new Map<string, ts.InterfaceDeclaration>();
  const functions = new Map<string, ts.FunctionDeclaration>();
  ts.forEachChild(source, (n) => {
    if (ts.isInterfaceDeclaration(n)) interfaces.set(n.name.text, n);
    if (ts.isFunctionDeclaration(n) && n.name) functions.set(n.name.text, n);
  });
  const where = (n: ts.Node) => `endpoints.ts:${source.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
  const fail = (n: ts.Node, what: string): never => {
    throw new Error(`${where(n)}: cannot read ${what}: ${n.getText()}`);
  };

  function typeMembers(type: ts.TypeNode): string[] {
    if (ts.isTypeLiteralNode(type)) return type.members.map((m) => (m.name as ts.Identifier).text);
    if (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName)) {
      const name = type.typeName.text;
      if (name === 'Omit' && type.typeArguments?.length === 2) {
        const drop = type.typeArguments[1];
        const dropped = ts.isLiteralTypeNode(drop)
          ? [(drop.literal as ts.StringLiteral).text]
          : ts.isUnionTypeNode(drop)
            ? drop.types.map((t) => ((t as ts.LiteralTypeNode).literal as ts.StringLiteral).text)
            : fail(drop, 'an Omit key');
        return typeMembers(type.typeArguments[0]).filter((k) => !dropped.includes(k));
      }
      const decl = interfaces.get(name);
      if (!decl) return fail(type, 'a type');
      const own = decl.members.map((m) => (m.name as ts.Identifier).text);
      const inherited = (decl.heritageClauses ?? []).flatMap((h) =>
        h.types.map((t) =>
          typeMembers(ts.factory.createTypeReferenceNode(t.expression.getText(), t.typeArguments)),
        ),
      );
      return [...new Set([...own, ...inherited.flat()])];
    }
    return fail(type, 'a type');
  }

  /** The declared type of a parameter of the function around `n`. */
  function parameterType(n: ts.Node, name: string): ts.TypeNode {
    for (let p: ts.Node | undefined = n; p; p = p.parent) {
      if (ts.isFunctionLike(p)) {
        const param = p.parameters.find((x) => ts.isIdentifier(x.name) && x.name.text === name);
        if (param?.type) return param.type;
      }
    }
    return fail(n, `the type of ${name}`);
  }

  function objectKeys(e: ts.Expression): string[] {
    if (ts.isParenthesizedExpression(e)) return objectKeys(e.expression);
    if (ts.isIdentifier(e)) return typeMembers(parameterType(e, e.text));
    if (ts.isCallExpression(e) && ts.isIdentifier(e.expression)) {
      const fn = functions.get(e.expression.text);
      const ret = fn?.body?.statements.find(ts.isReturnStatement)?.expression;
      if (!ret) return fail(e, 'a helper that returns an object');
      return objectKeys(ret);
    }
    if (!ts.isObjectLiteralExpression(e)) return fail(e, 'an object');
    return e.properties.flatMap((p) => {
      if (ts.isSpreadAssignment(p)) return objectKeys(p.expression);
      if (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) return [p.name.getText()];
      return fail(p, 'a property');
    });
  }

  function pathOf(e: ts.Expression): string {
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
    if (ts.isCallExpression(e) && e.expression.getText() === 'runBase') return '/api/projects/{}/runs/{}';
    if (ts.isTemplateExpression(e)) {
      let out = e.head.text;
      for (const span of e.templateSpans) {
        const x = span.expression;
        if (ts.isCallExpression(x) && ['seg', 'namePath'].includes(x.expression.getText())) out += '{}';
        else out += pathOf(x);
        out += span.literal.text;
      }
      return out;
    }
    return fail(e, 'a path');
  }

  /** The options object of a call: its method and body keys. */
  function options(e: ts.Expression | undefined): { method: UiRequest['method']; body: string[] } {
    if (!e || !ts.isObjectLiteralExpression(e)) return { method: 'GET', body: [] };
    let method: UiRequest['method'] = 'GET';
    let body: string[] = [];
    for (const p of e.properties) {
      const name = p.name?.getText();
      if (name === 'method' && ts.isPropertyAssignment(p))
        method = (p.initializer as ts.StringLiteral).text as 'POST';
      if (name === 'body') {
        body = ts.isShorthandPropertyAssignment(p)
          ? typeMembers(parameterType(p, 'body'))
          : objectKeys((p as ts.PropertyAssignment).initializer);
        if (method === 'GET') method = 'POST';
      }
    }
    return { method, body };
  }

  const out: UiRequest[] = [];
  const seen = new Set<ts.Node>();
  function visit(n: ts.Node): void {
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression)) {
      const callee = n.expression.text;
      const [first, second] = n.arguments;
      if (CALLS.has(callee)) {
        const { method, body } = options(second);
        const url = first;
        if (ts.isCallExpression(url) && url.expression.getText() === 'apiUrl') {
          seen.add(url);
          const query = url.arguments[1] ? objectKeys(url.arguments[1]) : [];
          out.push({ path: pathOf(url.arguments[0]), method, query, body, at: where(n) });
        } else out.push({ path: pathOf(url), method, query: [], body, at: where(n) });
      } else if (callee === 'apiUrl' && !seen.has(n) && !isArgumentOfCall(n)) {
        const query = second ? objectKeys(second) : [];
        out.push({ path: pathOf(first), method: 'GET', query, body: [], at: where(n) });
      }
    }
    ts.forEachChild(n, visit);
  }
  /** An apiUrl(...) passed straight to one of the request functions is counted with that call. */
  function isArgumentOfCall(n: ts.Node): boolean {
    const p = n.parent;
    return ts.isCallExpression(p) && ts.isIdentifier(p.expression) && CALLS.has(p.expression.text);
  }
  visit(source);
  return out;
}
