/*
 * The TypeScript blocks of a Markdown page, by the docs-test conventions
 * that test/docs/readme-blocks.spec.ts describes (a block's file name, skipped
 * blocks). Shared by the specs that compile the docs and those that run them.
 */

export interface ReadmeBlock {
  file: string;
  code: string;
  line: number;
}

/** A page's TypeScript blocks, in order, each with its file name and the line of its fence. */
export function readmeBlocks(markdown: string, prefix = ''): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)```(\w*)\s*$/.exec(lines[i]);
    if (!fence) continue;
    const [, indent, lang] = fence;
    let end = i + 1;
    while (end < lines.length && !new RegExp(`^${indent}\`\`\`\\s*$`).test(lines[end])) end++;
    let marker = i - 1;
    while (marker >= 0 && lines[marker].trim() === '') marker--;
    const directive = marker >= 0 ? /<!--\s*docs-test:\s*(.*?)\s*-->/.exec(lines[marker])?.[1] : undefined;
    if ((lang === 'ts' || lang === 'typescript') && !directive?.startsWith('skip')) {
      const code = lines
        .slice(i + 1, end)
        .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
        .join('\n');
      const file =
        /file=(\S+)/.exec(directive ?? '')?.[1] ?? `${prefix}block-${String(blocks.length + 1).padStart(2, '0')}.ts`;
      blocks.push({ file, code, line: i + 1 });
    }
    i = end;
  }
  return blocks;
}
