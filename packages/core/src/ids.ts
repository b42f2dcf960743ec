/** The natural key of a post: `externalId` is unique within its `source`. */
export interface PostRef {
  source: string;
  externalId: string;
}

export function postKey(ref: PostRef): string {
  return `${ref.source}\u0000${ref.externalId}`;
}
