/** A first-in first-out queue on a circular array that grows by doubling, never past `ceiling` unless it must. */
export class Ring<T> {
  private items: Array<T | undefined>
  private head = 0
  private count = 0

  constructor(initialCapacity = 16) {
    this.items = new Array<T | undefined>(Math.max(1, initialCapacity))
  }

  get length(): number {
    return this.count
  }

  /** Slots allocated: the memory the ring holds. */
  get capacity(): number {
    return this.items.length
  }

  /** The `index`-th oldest item. */
  at(index: number): T | undefined {
    return index >= 0 && index < this.count ? this.items[(this.head + index) % this.items.length] : undefined
  }

  push(item: T, ceiling = Infinity): void {
    if (this.count === this.items.length) this.grow(Math.min(this.count * 2, Math.max(ceiling, this.count + 1)))
    this.items[(this.head + this.count) % this.items.length] = item
    this.count++
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined
    const item = this.items[this.head]
    this.items[this.head] = undefined
    this.head = (this.head + 1) % this.items.length
    this.count--
    return item
  }

  clear(): void {
    while (this.count > 0) this.shift()
  }

  private grow(capacity: number): void {
    const items = new Array<T | undefined>(capacity)
    for (let i = 0; i < this.count; i++) items[i] = this.at(i)
    this.items = items
    this.head = 0
  }
}
