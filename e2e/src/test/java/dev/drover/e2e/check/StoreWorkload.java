package dev.drover.e2e.check;

import com.google.protobuf.ByteString;
import dev.drover.store.KvStores;
import dev.drover.store.api.Keys;
import dev.drover.store.api.KvStore;
import dev.drover.store.api.Peer;
import dev.drover.store.api.StoreOptions;
import dev.drover.store.lin.RegisterOp;
import dev.drover.store.lin.RegisterTxns;
import dev.drover.store.v1.RangeResponse;
import dev.drover.store.v1.TxnRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Store-level clients ({@link KvStores#client}, a network client of the masters' Raft group, no
 * member of it) doing get, put and compare-and-swap on a few keys while faults happen, each
 * operation recorded with its invocation and response time (unknown when it failed) in a {@link
 * RegisterHistory}. Each client also checks that the store revision of its reads never goes back.
 * Choices come from a seed.
 */
public final class StoreWorkload implements AutoCloseable {

  private static final Duration OP_TIMEOUT = Duration.ofSeconds(8);

  private final KvStore store;
  private final int keys;
  private final long seed;
  private final RegisterHistory history = new RegisterHistory("store");
  private final List<String> violations = new CopyOnWriteArrayList<>();
  private final AtomicInteger acked = new AtomicInteger();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean stopping;

  /** {@code clients} threads on {@code keys} keys of the group {@code peers}. */
  public StoreWorkload(List<Peer> peers, int clients, int keys, long seed) {
    StoreOptions options = new StoreOptions().requestTimeout(OP_TIMEOUT);
    this.store = KvStores.client(peers, options);
    this.keys = keys;
    this.seed = seed;
    for (int c = 0; c < clients; c++) {
      final int client = c;
      Thread t = new Thread(() -> loop(client), "store-client-" + c);
      t.setDaemon(true);
      threads.add(t);
    }
  }

  /** Starts the clients. */
  public StoreWorkload start() {
    threads.forEach(Thread::start);
    return this;
  }

  /** Writes acknowledged so far (puts, and compare-and-swaps that succeeded). */
  public int acknowledged() {
    return acked.get();
  }

  /** The recorded history. */
  public RegisterHistory history() {
    return history;
  }

  /** Revisions going backwards, seen while running. */
  public List<String> violations() {
    return List.copyOf(violations);
  }

  private static ByteString key(int k) {
    return Keys.of("/faults/reg/" + k);
  }

  private void loop(int client) {
    Random rnd = new Random(seed * 131 + client);
    long highestRevision = 0;
    String lastSeen = null;
    for (int counter = 0; !stopping; counter++) {
      int k = rnd.nextInt(keys);
      String name = "k" + k;
      int choice = rnd.nextInt(10);
      long invoke = System.nanoTime();
      if (choice < 4) {
        try {
          RangeResponse r = store.get(key(k)).get(OP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
          String read = r.getCount() == 0 ? null : r.getKvs(0).getValue().toStringUtf8();
          history.add(name, RegisterOp.get(client, read, invoke, System.nanoTime()));
          long rev = r.getHeader().getRevision();
          if (rev < highestRevision) {
            violations.add(
                "store client "
                    + client
                    + ": read at revision "
                    + rev
                    + " after "
                    + highestRevision);
          }
          highestRevision = Math.max(highestRevision, rev);
          lastSeen = read;
        } catch (Exception e) {
          // A failed read has no effect: left out of the history.
          pauseAfterFailure();
        }
        continue;
      }
      String value = "c" + client + "-" + counter;
      if (choice < 7) {
        try {
          store.put(key(k), Keys.of(value)).get(OP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
          history.add(name, RegisterOp.put(client, value, invoke, System.nanoTime()));
          acked.incrementAndGet();
        } catch (Exception e) {
          history.add(name, RegisterOp.put(client, value, invoke, RegisterOp.UNKNOWN));
          pauseAfterFailure();
        }
        continue;
      }
      String expected = rnd.nextBoolean() ? lastSeen : null;
      try {
        boolean ok =
            store
                .txn(cas(key(k), expected, value))
                .get(OP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .getSucceeded();
        history.add(name, RegisterOp.cas(client, expected, value, ok, invoke, System.nanoTime()));
        if (ok) {
          acked.incrementAndGet();
        }
      } catch (Exception e) {
        history.add(
            name, RegisterOp.cas(client, expected, value, false, invoke, RegisterOp.UNKNOWN));
        pauseAfterFailure();
      }
    }
  }

  private static TxnRequest cas(ByteString k, String expected, String value) {
    return RegisterTxns.cas(k, expected, value);
  }

  private void pauseAfterFailure() {
    // Not synchronization: a client backing off so that a down cluster is not spun on.
    java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
  }

  /**
   * Reads every key once more (after the faults healed), so that the check covers the final state:
   * a write acknowledged and then lost shows as a read no linearization explains.
   */
  public void finalReads() {
    for (int k = 0; k < keys; k++) {
      long invoke = System.nanoTime();
      try {
        RangeResponse r = store.get(key(k)).get(30, TimeUnit.SECONDS);
        String read = r.getCount() == 0 ? null : r.getKvs(0).getValue().toStringUtf8();
        history.add("k" + k, RegisterOp.get(-1, read, invoke, System.nanoTime()));
      } catch (Exception e) {
        violations.add("final read of k" + k + " failed after healing: " + e);
      }
    }
  }

  /** Stops the clients and closes the store client. */
  @Override
  public void close() throws InterruptedException {
    stopping = true;
    for (Thread t : threads) {
      t.join(30_000);
    }
    store.close();
  }
}
