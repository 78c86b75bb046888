package dev.drover.store;

/**
 * Entry points for creating stores. {@link #inMemory()} gives a non-replicated store for
 * tests; the replicated store is started from {@code KvStores.embedded(dataDir)} or
 * {@code KvStores.cluster(selfId, peers, dataDir)}.
 */
public final class KvStores {
  private KvStores() {}

  /** A started in-memory store with default options. */
  public static InMemoryKvStore inMemory() {
    return inMemory(new StoreOptions());
  }

  /** A started in-memory store. */
  public static InMemoryKvStore inMemory(StoreOptions options) {
    return new InMemoryKvStore(options).start();
  }
}
