import { Mutex, sleep } from "colorless";

/** An account whose updates take time: the mutex keeps concurrent deposits from losing money. */
export class Account {
  private balance = 0;
  private readonly lock = new Mutex();

  deposit(amount: number): void {
    this.lock.lock();
    try {
      const before = this.balance;
      sleep(1); // a slow read-modify-write: without the lock, deposits would overwrite each other
      this.balance = before + amount;
    } finally {
      this.lock.unlock();
    }
  }

  get total(): number {
    return this.balance;
  }
}
