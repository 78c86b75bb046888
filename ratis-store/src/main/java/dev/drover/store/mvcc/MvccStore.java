package dev.drover.store.mvcc;

import com.google.protobuf.ByteString;
import dev.drover.store.api.KeyRange;
import dev.drover.store.api.KvStoreException;
import dev.drover.store.api.Validation;
import dev.drover.store.v1.CompactionRequest;
import dev.drover.store.v1.CompactionResponse;
import dev.drover.store.v1.Compare;
import dev.drover.store.v1.DeleteRangeRequest;
import dev.drover.store.v1.DeleteRangeResponse;
import dev.drover.store.v1.Event;
import dev.drover.store.v1.KeyValue;
import dev.drover.store.v1.LeaseExpireRequest;
import dev.drover.store.v1.LeaseGrantRequest;
import dev.drover.store.v1.LeaseGrantResponse;
import dev.drover.store.v1.LeaseKeepAliveRequest;
import dev.drover.store.v1.LeaseKeepAliveResponse;
import dev.drover.store.v1.LeaseRevokeRequest;
import dev.drover.store.v1.LeaseRevokeResponse;
import dev.drover.store.v1.LeaseState;
import dev.drover.store.v1.LeaseTimeToLiveRequest;
import dev.drover.store.v1.LeaseTimeToLiveResponse;
import dev.drover.store.v1.PutRequest;
import dev.drover.store.v1.PutResponse;
import dev.drover.store.v1.RangeRequest;
import dev.drover.store.v1.RangeResponse;
import dev.drover.store.v1.RequestOp;
import dev.drover.store.v1.ResponseHeader;
import dev.drover.store.v1.ResponseOp;
import dev.drover.store.v1.RevisionChanges;
import dev.drover.store.v1.SnapshotData;
import dev.drover.store.v1.StoreRequest;
import dev.drover.store.v1.StoreResponse;
import dev.drover.store.v1.TxnRequest;
import dev.drover.store.v1.TxnResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deterministic MVCC key-value state: every version of every key since the compact revision,
 * the per-revision change log that watches replay, and the leases.
 *
 * <p>{@link #apply} is the only mutator and is a pure function of the state and the request: it
 * never reads a clock, draws a random number or does I/O, so every replica that applies the same
 * requests in the same order holds the same state. A request is fully checked before anything
 * changes, so a failed request leaves no trace. Writes must come from one thread at a time (the
 * Raft apply thread); reads may come from any thread.
 */
public final class MvccStore {
  private static final Logger LOG = LoggerFactory.getLogger(MvccStore.class);

  /** A lease as the deterministic state knows it: no deadline, only its TTL and keys. */
  private static final class Lease {
    final long id;
    final long ttl;
    long refreshCount;
    final TreeSet<ByteString> keys = new TreeSet<>(KeyRange.ORDER);

    Lease(long id, long ttl, long refreshCount) {
      this.id = id;
      this.ttl = ttl;
      this.refreshCount = refreshCount;
    }
  }

  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

  /** Versions of each key, oldest first; a version 0 entry is a tombstone. */
  private final TreeMap<ByteString, List<KeyValue>> keys = new TreeMap<>(KeyRange.ORDER);

  /** Events of each revision from the compact revision on, in the order they happened. */
  private final TreeMap<Long, List<Event>> changes = new TreeMap<>();

  private final TreeMap<Long, Lease> leases = new TreeMap<>();
  private final List<ApplyListener> listeners = new CopyOnWriteArrayList<>();
  private long revision;
  private long compactRevision;
  private long lastLeaseId;

  /** Registers an observer of applied changes. */
  public void addListener(ApplyListener listener) {
    listeners.add(listener);
  }

  /** The latest revision. */
  public long revision() {
    lock.readLock().lock();
    try {
      return revision;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The revision history starts at; reads and watches below it fail with COMPACTED. */
  public long compactRevision() {
    lock.readLock().lock();
    try {
      return compactRevision;
    } finally {
      lock.readLock().unlock();
    }
  }

  // ---------------------------------------------------------------- apply

  /**
   * Applies one request (a write, or a read served at this point of the log) and returns its
   * response, or a response carrying the error when the request was rejected unchanged.
   */
  public StoreResponse apply(StoreRequest request) {
    long before;
    List<long[]> refreshed = new ArrayList<>();
    List<Long> removed = new ArrayList<>();
    StoreResponse response;
    lock.writeLock().lock();
    try {
      before = revision;
      response = applyLocked(request, refreshed, removed);
    } catch (KvStoreException e) {
      return StoreResponse.newBuilder().setError(e.toProto()).build();
    } catch (RuntimeException e) {
      // A bug, not bad input. Every replica hits it identically (apply is deterministic), so
      // answering with an error keeps them in step instead of stopping the apply thread.
      LOG.error("applying {} failed", request.getRequestCase(), e);
      return StoreResponse.newBuilder()
          .setError(
              new KvStoreException(KvStoreException.Kind.INTERNAL, "apply failed: " + e).toProto())
          .build();
    } finally {
      lock.writeLock().unlock();
    }
    // Listeners run outside the lock so they may read the store (the watch hub does).
    for (ApplyListener l : listeners) {
      for (long[] r : refreshed) {
        l.onLeaseRefreshed(r[0], r[1], r[2]);
      }
      for (Long id : removed) {
        l.onLeaseRemoved(id);
      }
    }
    long after = revision();
    if (after != before) {
      for (ApplyListener l : listeners) {
        l.onRevision(after);
      }
    }
    return response;
  }

  private StoreResponse applyLocked(
      StoreRequest request, List<long[]> refreshed, List<Long> removed) {
    StoreResponse.Builder out = StoreResponse.newBuilder();
    switch (request.getRequestCase()) {
      case RANGE:
        Validation.range("", request.getRange());
        return out.setRange(rangeLocked(request.getRange())).build();
      case PUT:
        {
          Validation.put("", request.getPut());
          checkLease("lease", request.getPut().getLease());
          PutResponse r = putLocked(request.getPut(), revision + 1);
          revision++;
          return out.setPut(r.toBuilder().setHeader(header())).build();
        }
      case DELETE_RANGE:
        {
          Validation.deleteRange("", request.getDeleteRange());
          DeleteRangeResponse r = deleteLocked(request.getDeleteRange(), revision + 1);
          if (r.getDeleted() > 0) {
            revision++;
          }
          return out.setDeleteRange(r.toBuilder().setHeader(header())).build();
        }
      case TXN:
        return out.setTxn(txnLocked(request.getTxn())).build();
      case COMPACTION:
        return out.setCompaction(compactLocked(request.getCompaction())).build();
      case LEASE_GRANT:
        return out.setLeaseGrant(grantLocked(request.getLeaseGrant(), refreshed)).build();
      case LEASE_REVOKE:
        {
          LeaseRevokeRequest r = request.getLeaseRevoke();
          if (!leases.containsKey(r.getId())) {
            throw leaseNotFound(r.getId());
          }
          revokeLocked(r.getId(), removed);
          return out.setLeaseRevoke(LeaseRevokeResponse.newBuilder().setHeader(header())).build();
        }
      case LEASE_KEEP_ALIVE:
        {
          LeaseKeepAliveRequest r = request.getLeaseKeepAlive();
          Lease lease = leases.get(r.getId());
          if (lease == null) {
            throw leaseNotFound(r.getId());
          }
          lease.refreshCount++;
          refreshed.add(new long[] {lease.id, lease.ttl, lease.refreshCount});
          return out.setLeaseKeepAlive(
                  LeaseKeepAliveResponse.newBuilder()
                      .setHeader(header())
                      .setId(lease.id)
                      .setTtl(lease.ttl))
              .build();
        }
      case LEASE_TIME_TO_LIVE:
        return out.setLeaseTimeToLive(timeToLiveLocked(request.getLeaseTimeToLive())).build();
      case LEASE_EXPIRE:
        for (LeaseExpireRequest.Item item : request.getLeaseExpire().getLeasesList()) {
          Lease lease = leases.get(item.getId());
          // A keepalive applied after the leader decided wins over the expiry.
          if (lease != null && lease.refreshCount == item.getRefreshCount()) {
            revokeLocked(item.getId(), removed);
          }
        }
        return out.setLeaseExpire(header()).build();
      default:
        throw KvStoreException.invalid("request", "request is empty");
    }
  }

  private ResponseHeader header() {
    return ResponseHeader.newBuilder().setRevision(revision).build();
  }

  private static KvStoreException leaseNotFound(long id) {
    return new KvStoreException(
        KvStoreException.Kind.LEASE_NOT_FOUND, "lease " + id + " does not exist");
  }

  private void checkLease(String field, long id) {
    if (id != 0 && !leases.containsKey(id)) {
      throw new KvStoreException(
          KvStoreException.Kind.LEASE_NOT_FOUND,
          field + ": lease " + id + " does not exist",
          field,
          0,
          0,
          null);
    }
  }

  private void checkReadRevision(long rev) {
    if (rev == 0) {
      return;
    }
    if (rev > revision) {
      throw KvStoreException.futureRevision(rev, revision);
    }
    if (rev < compactRevision) {
      throw KvStoreException.compacted(rev, compactRevision);
    }
  }

  // ---------------------------------------------------------------- reads

  /** Serves a read from the current local state (a serializable read). */
  public RangeResponse range(RangeRequest request) {
    Validation.range("", request);
    lock.readLock().lock();
    try {
      return rangeLocked(request);
    } finally {
      lock.readLock().unlock();
    }
  }

  private static KeyValue visibleAt(List<KeyValue> versions, long rev) {
    if (rev == 0) {
      KeyValue last = versions.get(versions.size() - 1);
      return last.getVersion() == 0 ? null : last;
    }
    // Latest version with mod_revision <= rev.
    int lo = 0;
    int hi = versions.size() - 1;
    KeyValue found = null;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      KeyValue kv = versions.get(mid);
      if (kv.getModRevision() <= rev) {
        found = kv;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found == null || found.getVersion() == 0 ? null : found;
  }

  private RangeResponse rangeLocked(RangeRequest r) {
    checkReadRevision(r.getRevision());
    RangeResponse.Builder out = RangeResponse.newBuilder();
    long count = 0;
    for (Map.Entry<ByteString, List<KeyValue>> e :
        KeyRange.of(r.getKey(), r.getRangeEnd()).slice(keys).entrySet()) {
      KeyValue kv = visibleAt(e.getValue(), r.getRevision());
      if (kv == null) {
        continue;
      }
      count++;
      if (r.getCountOnly()) {
        continue;
      }
      if (r.getLimit() > 0 && out.getKvsCount() >= r.getLimit()) {
        out.setMore(true);
        continue;
      }
      out.addKvs(r.getKeysOnly() ? kv.toBuilder().clearValue().build() : kv);
    }
    return out.setCount(count).setHeader(header()).build();
  }

  private LeaseTimeToLiveResponse timeToLiveLocked(LeaseTimeToLiveRequest r) {
    Lease lease = leases.get(r.getId());
    if (lease == null) {
      throw leaseNotFound(r.getId());
    }
    LeaseTimeToLiveResponse.Builder out =
        LeaseTimeToLiveResponse.newBuilder()
            .setHeader(header())
            .setId(lease.id)
            .setTtl(lease.ttl)
            .setGrantedTtl(lease.ttl);
    if (r.getKeys()) {
      out.addAllKeys(lease.keys);
    }
    return out.build();
  }

  /**
   * Answers a lease query from local state; the TTL is the granted one (the clock side refines it).
   */
  public LeaseTimeToLiveResponse timeToLive(LeaseTimeToLiveRequest r) {
    lock.readLock().lock();
    try {
      return timeToLiveLocked(r);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Every lease as (id, ttl, refresh count), for the clock side after a restore. */
  public List<LeaseState> leases() {
    lock.readLock().lock();
    try {
      List<LeaseState> out = new ArrayList<>();
      for (Lease l : leases.values()) {
        out.add(
            LeaseState.newBuilder()
                .setId(l.id)
                .setTtl(l.ttl)
                .setRefreshCount(l.refreshCount)
                .build());
      }
      return out;
    } finally {
      lock.readLock().unlock();
    }
  }

  // ---------------------------------------------------------------- writes

  private PutResponse putLocked(PutRequest p, long rev) {
    List<KeyValue> versions = keys.get(p.getKey());
    KeyValue prev = versions == null ? null : visibleAt(versions, 0);
    KeyValue kv =
        KeyValue.newBuilder()
            .setKey(p.getKey())
            .setValue(p.getValue())
            .setLease(p.getLease())
            .setModRevision(rev)
            .setCreateRevision(prev == null ? rev : prev.getCreateRevision())
            .setVersion(prev == null ? 1 : prev.getVersion() + 1)
            .build();
    if (versions == null) {
      versions = new ArrayList<>(2);
      keys.put(p.getKey(), versions);
    }
    versions.add(kv);
    if (prev != null && prev.getLease() != 0 && prev.getLease() != p.getLease()) {
      Lease old = leases.get(prev.getLease());
      if (old != null) {
        old.keys.remove(p.getKey());
      }
    }
    if (p.getLease() != 0) {
      leases.get(p.getLease()).keys.add(p.getKey());
    }
    changes
        .computeIfAbsent(rev, k -> new ArrayList<>(1))
        .add(Event.newBuilder().setType(Event.EventType.PUT).setKv(kv).build());
    PutResponse.Builder out = PutResponse.newBuilder();
    if (p.getPrevKv() && prev != null) {
      out.setPrevKv(prev);
    }
    return out.build();
  }

  private DeleteRangeResponse deleteLocked(DeleteRangeRequest d, long rev) {
    DeleteRangeResponse.Builder out = DeleteRangeResponse.newBuilder();
    List<ByteString> doomed = new ArrayList<>();
    for (Map.Entry<ByteString, List<KeyValue>> e :
        KeyRange.of(d.getKey(), d.getRangeEnd()).slice(keys).entrySet()) {
      if (visibleAt(e.getValue(), 0) != null) {
        doomed.add(e.getKey());
      }
    }
    for (ByteString key : doomed) {
      deleteKeyLocked(key, rev, d.getPrevKv() ? out : null);
    }
    return out.setDeleted(doomed.size()).build();
  }

  private void deleteKeyLocked(ByteString key, long rev, DeleteRangeResponse.Builder prevOut) {
    List<KeyValue> versions = keys.get(key);
    KeyValue prev = visibleAt(versions, 0);
    KeyValue tombstone = KeyValue.newBuilder().setKey(key).setModRevision(rev).build();
    versions.add(tombstone);
    if (prev.getLease() != 0) {
      Lease lease = leases.get(prev.getLease());
      if (lease != null) {
        lease.keys.remove(key);
      }
    }
    changes
        .computeIfAbsent(rev, k -> new ArrayList<>(1))
        .add(Event.newBuilder().setType(Event.EventType.DELETE).setKv(tombstone).build());
    if (prevOut != null) {
      prevOut.addPrevKvs(prev);
    }
  }

  private TxnResponse txnLocked(TxnRequest t) {
    Validation.txn(t);
    boolean ok = true;
    for (Compare c : t.getCompareList()) {
      if (!compareHolds(c)) {
        ok = false;
        break;
      }
    }
    List<RequestOp> ops = ok ? t.getSuccessList() : t.getFailureList();
    String branch = ok ? "success" : "failure";
    // Stateful checks of the whole branch first: nothing is written unless all pass.
    for (int i = 0; i < ops.size(); i++) {
      RequestOp op = ops.get(i);
      if (op.hasRequestRange()) {
        checkReadRevision(op.getRequestRange().getRevision());
      } else if (op.hasRequestPut()) {
        checkLease(branch + "[" + i + "].put.lease", op.getRequestPut().getLease());
      }
    }
    long rev = revision + 1;
    boolean wrote = false;
    TxnResponse.Builder out = TxnResponse.newBuilder().setSucceeded(ok);
    for (RequestOp op : ops) {
      switch (op.getRequestCase()) {
        case REQUEST_RANGE:
          out.addResponses(
              ResponseOp.newBuilder().setResponseRange(rangeLocked(op.getRequestRange())));
          break;
        case REQUEST_PUT:
          out.addResponses(
              ResponseOp.newBuilder().setResponsePut(putLocked(op.getRequestPut(), rev)));
          wrote = true;
          break;
        default:
          DeleteRangeResponse d = deleteLocked(op.getRequestDeleteRange(), rev);
          wrote |= d.getDeleted() > 0;
          out.addResponses(ResponseOp.newBuilder().setResponseDeleteRange(d));
          break;
      }
    }
    if (wrote) {
      revision = rev;
    }
    return out.setHeader(header()).build();
  }

  private boolean compareHolds(Compare c) {
    KeyRange range = KeyRange.of(c.getKey(), c.getRangeEnd());
    if (range.single()) {
      List<KeyValue> versions = keys.get(c.getKey());
      KeyValue kv = versions == null ? null : visibleAt(versions, 0);
      return compareOne(c, kv);
    }
    for (List<KeyValue> versions : range.slice(keys).values()) {
      KeyValue kv = visibleAt(versions, 0);
      if (kv != null && !compareOne(c, kv)) {
        return false;
      }
    }
    return true;
  }

  private static boolean compareOne(Compare c, KeyValue kv) {
    int cmp;
    switch (c.getTarget()) {
      case VALUE:
        if (kv == null) {
          // etcd: a value compare against a missing key is false.
          return false;
        }
        cmp = KeyRange.ORDER.compare(kv.getValue(), c.getValue());
        break;
      case VERSION:
        cmp = Long.compare(kv == null ? 0 : kv.getVersion(), c.getVersion());
        break;
      case CREATE:
        cmp = Long.compare(kv == null ? 0 : kv.getCreateRevision(), c.getCreateRevision());
        break;
      case MOD:
        cmp = Long.compare(kv == null ? 0 : kv.getModRevision(), c.getModRevision());
        break;
      default:
        cmp = Long.compare(kv == null ? 0 : kv.getLease(), c.getLease());
        break;
    }
    switch (c.getResult()) {
      case EQUAL:
        return cmp == 0;
      case NOT_EQUAL:
        return cmp != 0;
      case GREATER:
        return cmp > 0;
      default:
        return cmp < 0;
    }
  }

  private CompactionResponse compactLocked(CompactionRequest c) {
    long target = c.getRevision();
    if (target > revision) {
      throw KvStoreException.futureRevision(target, revision);
    }
    if (target <= compactRevision) {
      throw KvStoreException.compacted(target, compactRevision);
    }
    compactRevision = target;
    Iterator<Map.Entry<ByteString, List<KeyValue>>> it = keys.entrySet().iterator();
    while (it.hasNext()) {
      List<KeyValue> versions = it.next().getValue();
      // Keep the version visible at the compact revision and everything newer.
      int keep = 0;
      for (int i = versions.size() - 1; i >= 0; i--) {
        if (versions.get(i).getModRevision() <= target) {
          keep = i;
          break;
        }
      }
      if (keep > 0) {
        versions.subList(0, keep).clear();
      }
      if (versions.get(0).getVersion() == 0 && versions.get(0).getModRevision() <= target) {
        versions.remove(0);
      }
      if (versions.isEmpty()) {
        it.remove();
      } else if (versions instanceof ArrayList) {
        ((ArrayList<KeyValue>) versions).trimToSize();
      }
    }
    changes.headMap(target, false).clear();
    return CompactionResponse.newBuilder().setHeader(header()).build();
  }

  private LeaseGrantResponse grantLocked(LeaseGrantRequest g, List<long[]> refreshed) {
    if (g.getTtl() < 1) {
      throw KvStoreException.invalid("ttl", "TTL must be at least 1 second, got " + g.getTtl());
    }
    if (g.getId() < 0) {
      throw KvStoreException.invalid("id", "lease id is negative");
    }
    long id = g.getId();
    if (id != 0 && leases.containsKey(id)) {
      throw new KvStoreException(
          KvStoreException.Kind.LEASE_EXISTS, "lease " + id + " already exists");
    }
    if (id == 0) {
      do {
        lastLeaseId++;
      } while (leases.containsKey(lastLeaseId));
      id = lastLeaseId;
    }
    leases.put(id, new Lease(id, g.getTtl(), 0));
    refreshed.add(new long[] {id, g.getTtl(), 0});
    return LeaseGrantResponse.newBuilder().setHeader(header()).setId(id).setTtl(g.getTtl()).build();
  }

  private void revokeLocked(long id, List<Long> removed) {
    Lease lease = leases.remove(id);
    removed.add(id);
    if (lease.keys.isEmpty()) {
      return;
    }
    long rev = revision + 1;
    for (ByteString key : lease.keys) {
      List<KeyValue> versions = keys.get(key);
      if (versions != null && visibleAt(versions, 0) != null) {
        deleteKeyLocked(key, rev, null);
      }
    }
    revision = rev;
  }

  // ---------------------------------------------------------------- watch support

  /**
   * The events of whole revisions from {@code fromRevision} on that touch {@code range}, stopping
   * after the revision that brings the count to {@code maxEvents} or more.
   *
   * @return the events, and in {@code scanned[0]} the last revision examined
   * @throws KvStoreException COMPACTED when {@code fromRevision} is below the compact revision
   */
  public List<Event> eventsFrom(
      long fromRevision, KeyRange range, boolean withPrev, int maxEvents, long[] scanned) {
    lock.readLock().lock();
    try {
      if (fromRevision < compactRevision) {
        throw KvStoreException.compacted(fromRevision, compactRevision);
      }
      List<Event> out = new ArrayList<>();
      long last = fromRevision - 1;
      for (Map.Entry<Long, List<Event>> e : changes.tailMap(fromRevision, true).entrySet()) {
        last = e.getKey();
        for (Event ev : e.getValue()) {
          if (range.contains(ev.getKv().getKey())) {
            out.add(withPrev ? withPrev(ev) : ev);
          }
        }
        if (out.size() >= maxEvents) {
          break;
        }
      }
      // Revisions with no change entries (none exist today) would still count as scanned.
      scanned[0] = out.size() >= maxEvents ? last : Math.max(last, revision);
      return out;
    } finally {
      lock.readLock().unlock();
    }
  }

  private Event withPrev(Event ev) {
    List<KeyValue> versions = keys.get(ev.getKv().getKey());
    if (versions == null) {
      return ev;
    }
    KeyValue prev = visibleAt(versions, ev.getKv().getModRevision() - 1);
    return prev == null ? ev : ev.toBuilder().setPrevKv(prev).build();
  }

  // ---------------------------------------------------------------- snapshots

  /** A consistent copy of the whole state, tagged with the given log position. */
  public SnapshotData snapshot(long term, long index) {
    lock.readLock().lock();
    try {
      SnapshotData.Builder out =
          SnapshotData.newBuilder()
              .setTerm(term)
              .setIndex(index)
              .setRevision(revision)
              .setCompactRevision(compactRevision)
              .setLastLeaseId(lastLeaseId);
      long firstChange = changes.isEmpty() ? Long.MAX_VALUE : changes.firstKey();
      for (List<KeyValue> versions : keys.values()) {
        for (KeyValue kv : versions) {
          if (kv.getModRevision() < firstChange) {
            out.addBase(kv);
          }
        }
      }
      for (Map.Entry<Long, List<Event>> e : changes.entrySet()) {
        out.addChanges(
            RevisionChanges.newBuilder().setRevision(e.getKey()).addAllEvents(e.getValue()));
      }
      for (Lease l : leases.values()) {
        out.addLeases(
            LeaseState.newBuilder().setId(l.id).setTtl(l.ttl).setRefreshCount(l.refreshCount));
      }
      return out.build();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Replaces the whole state with a snapshot's. */
  public void restore(SnapshotData s) {
    lock.writeLock().lock();
    try {
      keys.clear();
      changes.clear();
      leases.clear();
      revision = s.getRevision();
      compactRevision = s.getCompactRevision();
      lastLeaseId = s.getLastLeaseId();
      for (LeaseState l : s.getLeasesList()) {
        leases.put(l.getId(), new Lease(l.getId(), l.getTtl(), l.getRefreshCount()));
      }
      for (KeyValue kv : s.getBaseList()) {
        restoreVersion(kv);
      }
      for (RevisionChanges rc : s.getChangesList()) {
        List<Event> events = new ArrayList<>(rc.getEventsList());
        changes.put(rc.getRevision(), events);
        for (Event ev : events) {
          restoreVersion(ev.getKv());
        }
      }
    } finally {
      lock.writeLock().unlock();
    }
    for (ApplyListener l : listeners) {
      l.onRestored();
      l.onRevision(s.getRevision());
    }
  }

  private void restoreVersion(KeyValue kv) {
    List<KeyValue> versions = keys.computeIfAbsent(kv.getKey(), k -> new ArrayList<>(2));
    KeyValue prev = versions.isEmpty() ? null : versions.get(versions.size() - 1);
    versions.add(kv);
    if (prev != null && prev.getVersion() != 0 && prev.getLease() != 0) {
      Lease old = leases.get(prev.getLease());
      if (old != null) {
        old.keys.remove(kv.getKey());
      }
    }
    if (kv.getVersion() != 0 && kv.getLease() != 0) {
      Lease lease = leases.get(kv.getLease());
      if (lease != null) {
        lease.keys.add(kv.getKey());
      }
    }
  }

  /** Number of stored versions across keys (tests and metrics). */
  public int versionCount() {
    lock.readLock().lock();
    try {
      int n = 0;
      for (List<KeyValue> v : keys.values()) {
        n += v.size();
      }
      return n;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The keys map view for equality checks in tests: the latest live version of each key. */
  public NavigableMap<ByteString, KeyValue> liveView() {
    lock.readLock().lock();
    try {
      TreeMap<ByteString, KeyValue> out = new TreeMap<>(KeyRange.ORDER);
      for (Map.Entry<ByteString, List<KeyValue>> e : keys.entrySet()) {
        KeyValue kv = visibleAt(e.getValue(), 0);
        if (kv != null) {
          out.put(e.getKey(), kv);
        }
      }
      return out;
    } finally {
      lock.readLock().unlock();
    }
  }
}
