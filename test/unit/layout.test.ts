import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The shape of src/, checked on the source text: files and functions small
 * enough to read, folders that do not depend on each other both ways, and
 * module-specific branches only in src/modules/.
 */

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 120;

interface Source {
  /** Relative to src/, with "/": "cache/store.ts". */
  path: string;
  text: string;
  ast: ts.SourceFile;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.isFile() && entry.name.endsWith(".ts") ? [path] : [];
  });
}

const toSrcPath = (file: string) => relative(SRC, file).split(sep).join("/");

const sources: Source[] = tsFiles(SRC).map((file) => {
  const text = readFileSync(file, "utf8");
  return {
    path: toSrcPath(file),
    text,
    ast: ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true),
  };
});

/** Every node of a file, depth first. */
function nodesOf(ast: ts.SourceFile): ts.Node[] {
  const nodes: ts.Node[] = [];
  const visit = (node: ts.Node) => {
    nodes.push(node);
    ts.forEachChild(node, visit);
  };
  visit(ast);
  return nodes;
}

/** 1-based line of a position. */
const lineOf = (ast: ts.SourceFile, pos: number) => ast.getLineAndCharacterOfPosition(pos).line + 1;

/** Lines as an editor counts them: a final newline ends the last line, it does not start one. */
const lineCount = (text: string) => text.split("\n").length - (text.endsWith("\n") ? 1 : 0);

/** The name a function goes by: its own, or that of the variable, property or method it is. */
function functionName(fn: ts.SignatureDeclaration): string {
  if (fn.name !== undefined) return fn.name.getText();
  const parent = fn.parent;
  if (
    (ts.isVariableDeclaration(parent) ||
      ts.isPropertyAssignment(parent) ||
      ts.isPropertyDeclaration(parent)) &&
    parent.name !== undefined
  )
    return parent.name.getText();
  if (ts.isConstructorDeclaration(fn)) return "constructor";
  return "<anonymous>";
}

describe("size", () => {
  it(`has no file in src/ of more than ${MAX_FILE_LINES} lines`, () => {
    const tooLong = sources
      .map((s) => ({ path: s.path, lines: lineCount(s.text) }))
      .filter((f) => f.lines > MAX_FILE_LINES)
      .map((f) => `${f.path}: ${f.lines} lines`);
    expect(tooLong, `files of more than ${MAX_FILE_LINES} lines`).toEqual([]);
  });

  it(`has no function in src/ spanning more than ${MAX_FUNCTION_LINES} lines`, () => {
    const tooLong: string[] = [];
    for (const { path, ast } of sources) {
      for (const node of nodesOf(ast)) {
        if (!ts.isFunctionLike(node)) continue;
        if ((node as ts.FunctionLikeDeclaration).body === undefined) continue;
        const first = lineOf(ast, node.getStart(ast));
        const lines = lineOf(ast, node.getEnd()) - first + 1;
        if (lines > MAX_FUNCTION_LINES)
          tooLong.push(`${path}:${first} ${functionName(node)}: ${lines} lines`);
      }
    }
    expect(tooLong, `functions spanning more than ${MAX_FUNCTION_LINES} lines`).toEqual([]);
  });
});

/** The relative specifiers a file imports or re-exports from, static or dynamic. */
function relativeImports(ast: ts.SourceFile): string[] {
  const specifiers: string[] = [];
  for (const node of nodesOf(ast)) {
    let specifier: ts.Expression | undefined;
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node))
      specifier = node.moduleSpecifier;
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword)
      specifier = node.arguments[0];
    else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference)
    )
      specifier = node.moduleReference.expression;
    if (specifier !== undefined && ts.isStringLiteralLike(specifier)) {
      if (specifier.text.startsWith(".")) specifiers.push(specifier.text);
    }
  }
  return specifiers;
}

/**
 * The top-level folder of src/ a path is in ("cache/store.ts" → "cache"),
 * undefined for files directly in src/ (the composition root: app.ts,
 * deps.ts, main.ts …) and for anything outside src/.
 */
function folderOf(path: string): string | undefined {
  if (path.startsWith("../")) return undefined;
  const segments = path.split("/");
  return segments.length > 1 ? segments[0] : undefined;
}

describe("dependencies between the folders of src/", () => {
  it("has no two folders that import each other", () => {
    /** "cache -> delivery" → the file-level imports behind it. */
    const edges = new Map<string, string[]>();
    for (const { path, ast } of sources) {
      const from = folderOf(path);
      if (from === undefined) continue;
      for (const specifier of relativeImports(ast)) {
        const target = toSrcPath(
          resolve(SRC, dirname(path), specifier).replace(/\.(m|c)?js$/, ".ts"),
        );
        const to = folderOf(target);
        if (to === undefined || to === from) continue;
        const key = `${from} -> ${to}`;
        edges.set(key, [...(edges.get(key) ?? []), `${path} -> ${target}`]);
      }
    }

    const twoWay: string[] = [];
    for (const [key, imports] of [...edges].sort(([a], [b]) => a.localeCompare(b))) {
      const [from, to] = key.split(" -> ") as [string, string];
      const back = edges.get(`${to} -> ${from}`);
      if (from < to && back !== undefined)
        twoWay.push([`${from} <-> ${to}`, ...imports, ...back].join("\n    "));
    }
    expect(twoWay, "folders of src/ that import each other").toEqual([]);
  });
});

const EQUALITY = new Set([
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
]);

/** `module`, `op.module`, `this.module`, `x["module"]`. */
function isModuleRef(node: ts.Expression): boolean {
  if (ts.isParenthesizedExpression(node)) return isModuleRef(node.expression);
  if (ts.isIdentifier(node)) return node.text === "module";
  if (ts.isPropertyAccessExpression(node)) return node.name.text === "module";
  if (ts.isElementAccessExpression(node))
    return (
      ts.isStringLiteralLike(node.argumentExpression) && node.argumentExpression.text === "module"
    );
  return false;
}

describe("module-specific code", () => {
  it("compares a module with a module name only in src/modules/", () => {
    const found: string[] = [];
    for (const { path, ast } of sources) {
      if (path.startsWith("modules/")) continue;
      for (const node of nodesOf(ast)) {
        if (!ts.isBinaryExpression(node) || !EQUALITY.has(node.operatorToken.kind)) continue;
        const { left, right } = node;
        const named =
          (isModuleRef(left) && ts.isStringLiteralLike(right)) ||
          (isModuleRef(right) && ts.isStringLiteralLike(left));
        if (named) found.push(`${path}:${lineOf(ast, node.getStart(ast))}: ${node.getText(ast)}`);
      }
    }
    expect(found, 'module === "…" outside src/modules/').toEqual([]);
  });
});
