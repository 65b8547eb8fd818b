/** `text` with LIKE's wildcards (`%`, `_`) and its escape character escaped: matched as written. */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (character) => `\\${character}`);
