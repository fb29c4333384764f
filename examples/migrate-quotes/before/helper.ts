/** Paging helpers shared by the services. */

/** The row offset of `page` (1-based; anything else counts as page 1). */
export function getOffset(page: number, perPage: number): number {
  return (Number.isInteger(page) && page > 0 ? page - 1 : 0) * perPage;
}

export function emptyOrRows<T>(rows: T[] | undefined): T[] {
  return rows ?? [];
}
