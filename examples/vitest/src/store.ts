import { sleep } from "colorless";

/** Something that loads records; the real one waits for its "disk". */
export interface Store {
  get(id: number): string;
}

export const diskStore: Store = {
  get(id: number): string {
    sleep(1);
    return `record ${id}`;
  },
};

/** Suspends once per record, through whatever `store.get` holds. */
export function loadAll(store: Store, ids: number[]): string[] {
  const out: string[] = [];
  for (const id of ids) out.push(store.get(id));
  return out;
}

export class Cache {
  constructor(private readonly store: Store) {}
  private readonly seen = new Map<number, string>();
  lookup(id: number): string {
    let v = this.seen.get(id);
    if (v === undefined) this.seen.set(id, (v = this.store.get(id)));
    return v;
  }
}
