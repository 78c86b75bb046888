package dev.drover.master.events;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.EventType;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.ObjectReference;
import dev.drover.master.registry.AlreadyExistsException;
import dev.drover.master.registry.ConflictException;
import dev.drover.master.registry.InvalidObjectException;
import dev.drover.master.registry.NotFoundException;
import dev.drover.master.registry.Objects;
import dev.drover.master.registry.Registry;
import dev.drover.master.registry.RegistryException;
import dev.drover.store.v1.RangeRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Stores events in the registry the way Kubernetes' event series do: an event identical to a recent
 * one (same involved object, type, reason, message and source) is merged into it, so its count and
 * last_timestamp grow instead of a new object appearing. The merge target is found by a name
 * derived from those fields, so it needs no index and works on any master.
 */
public final class EventSeries {
  private final Registry store;
  private final Clock clock;
  private final Duration dedupWindow;

  /** Outcome of one record call. */
  public record Recorded(Object event, boolean merged) {}

  /** A recorder merging repeats within {@code dedupWindow}. */
  public EventSeries(Registry store, Clock clock, Duration dedupWindow) {
    this.store = store;
    this.clock = clock;
    this.dedupWindow = dedupWindow;
  }

  /** Stores the event, or merges it into an identical recent one. */
  public Recorded record(Event in) {
    Event.Builder fresh = fresh(in);
    String ns = fresh.getMetadata().getNamespace();
    String name = fresh.getMetadata().getName();
    for (int attempt = 0; attempt < 20; attempt++) {
      // Most events are new (a Scheduled event names its pod's uid and node): when this
      // member's own copy has no such event, try the create at once, without a Raft read
      // first; if the event exists after all, the create fails and the next round reads it.
      Optional<Object> existing =
          attempt == 0 && absentLocally(ns, name)
              ? Optional.empty()
              : store.get(Kind.KIND_EVENT, ns, name);
      try {
        if (existing.isEmpty()) {
          return new Recorded(
              store.create(Object.newBuilder().setEvent(fresh).build(), false), false);
        }
        Event old = existing.get().getEvent();
        boolean recent =
            Timestamps.toMillis(old.getLastTimestamp()) + dedupWindow.toMillis() >= clock.millis();
        Event.Builder next = old.toBuilder();
        if (recent) {
          next.setCount(old.getCount() + fresh.getCount())
              .setLastTimestamp(fresh.getLastTimestamp());
          next.getSeriesBuilder()
              .setCount(old.getCount() + fresh.getCount())
              .setLastObservedTime(fresh.getLastTimestamp());
        } else {
          ObjectMeta keep = old.getMetadata();
          next = fresh.clone().setMetadata(keep);
        }
        long rv = old.getMetadata().getResourceVersion();
        Object updated =
            store.update(
                Object.newBuilder()
                    .setEvent(
                        next.setMetadata(next.getMetadata().toBuilder().setResourceVersion(rv)))
                    .build(),
                false);
        return new Recorded(updated, recent);
      } catch (ConflictException | AlreadyExistsException | NotFoundException e) {
        // Changed, made or removed meanwhile: read it again.
      }
    }
    throw new ConflictException("event " + ns + "/" + name + " kept changing; retry");
  }

  /**
   * Records many events with as few store writes as possible, for a component that emits many at
   * once (the scheduler's Scheduled events): identical events among them are merged into one with
   * their counts added; those not yet stored (as this member's copy says) are created together, up
   * to {@link Registry#MAX_CREATES_PER_TXN} in one Txn; the rest, and a group whose Txn failed (one
   * of them was stored meanwhile), go through {@link #record} one by one. Returns how many events
   * were stored or merged; a bad event is skipped, never fails the others.
   */
  public int recordAll(List<Event> events) {
    Map<String, Event.Builder> merged = new LinkedHashMap<>();
    for (Event in : events) {
      Event.Builder f;
      try {
        f = fresh(in);
      } catch (InvalidObjectException e) {
        continue;
      }
      String key = f.getMetadata().getNamespace() + "/" + f.getMetadata().getName();
      Event.Builder seen = merged.get(key);
      if (seen == null) {
        merged.put(key, f);
      } else {
        seen.setCount(seen.getCount() + f.getCount()).setLastTimestamp(f.getLastTimestamp());
      }
    }
    int done = 0;
    List<Event.Builder> one = new ArrayList<>();
    List<Object> group = new ArrayList<>();
    for (Event.Builder f : merged.values()) {
      if (absentLocally(f.getMetadata().getNamespace(), f.getMetadata().getName())) {
        group.add(Object.newBuilder().setEvent(f).build());
        if (group.size() == Registry.MAX_CREATES_PER_TXN) {
          done += createOrRecordEach(group);
          group.clear();
        }
      } else {
        one.add(f);
      }
    }
    done += createOrRecordEach(group);
    for (Event.Builder f : one) {
      done += recordQuietly(f.build());
    }
    return done;
  }

  private int createOrRecordEach(List<Object> group) {
    if (group.isEmpty()) {
      return 0;
    }
    try {
      return store.createAll(group).size();
    } catch (RegistryException e) {
      int done = 0;
      for (Object o : group) {
        done += recordQuietly(o.getEvent());
      }
      return done;
    }
  }

  private int recordQuietly(Event e) {
    try {
      record(e);
      return 1;
    } catch (RegistryException ex) {
      return 0;
    }
  }

  /**
   * The event as it is stored when new: namespace, name from its fingerprint, count, times, type.
   */
  private Event.Builder fresh(Event in) {
    ObjectReference inv = in.getInvolvedObject();
    if (inv.getName().isEmpty()) {
      throw new InvalidObjectException("involved_object.name", "is required");
    }
    if (in.getReason().isEmpty()) {
      throw new InvalidObjectException("reason", "is required");
    }
    String ns =
        !in.getMetadata().getNamespace().isEmpty()
            ? in.getMetadata().getNamespace()
            : inv.getNamespace().isEmpty() ? Registry.DEFAULT_NAMESPACE : inv.getNamespace();
    String name =
        in.getMetadata().getName().isEmpty()
            ? inv.getName() + "." + fingerprint(in)
            : in.getMetadata().getName();
    Timestamp now = Timestamps.fromMillis(clock.millis());
    Event.Builder fresh =
        in.toBuilder()
            .setMetadata(in.getMetadata().toBuilder().setNamespace(ns).setName(name))
            .setCount(Math.max(1, in.getCount()))
            .setFirstTimestamp(in.hasFirstTimestamp() ? in.getFirstTimestamp() : now)
            .setLastTimestamp(in.hasLastTimestamp() ? in.getLastTimestamp() : now);
    if (fresh.getType() == EventType.EVENT_TYPE_UNSPECIFIED) {
      fresh.setType(EventType.EVENT_TYPE_NORMAL);
    }
    return fresh;
  }

  private boolean absentLocally(String ns, String name) {
    return store
            .await(
                store
                    .kv()
                    .range(
                        RangeRequest.newBuilder()
                            .setKey(Registry.key(Kind.KIND_EVENT, ns, name))
                            .setSerializable(true)
                            .setCountOnly(true)
                            .build()))
            .getCount()
        == 0;
  }

  /**
   * Deletes events whose last occurrence is older than {@code ttl}: the retention limit. Run
   * periodically by the active master. Returns how many were removed.
   */
  public int expire(Duration ttl) {
    long cutoff = clock.millis() - ttl.toMillis();
    int n = 0;
    for (Object o : store.list(Kind.KIND_EVENT, "")) {
      Event e = o.getEvent();
      if (Timestamps.toMillis(e.getLastTimestamp()) < cutoff) {
        try {
          store.delete(
              Kind.KIND_EVENT,
              e.getMetadata().getNamespace(),
              e.getMetadata().getName(),
              new Registry.DeleteOptions(
                  null,
                  null,
                  e.getMetadata().getResourceVersion(),
                  dev.drover.api.v1.PropagationPolicy.PROPAGATION_POLICY_BACKGROUND,
                  false),
              null);
          n++;
        } catch (RegistryException ex) {
          // Changed or gone meanwhile: it is either recent again or already removed.
        }
      }
    }
    return n;
  }

  private static String fingerprint(Event e) {
    ObjectReference inv = e.getInvolvedObject();
    String id =
        String.join(
            "\u0000",
            inv.getKind().name(),
            inv.getNamespace(),
            inv.getName(),
            inv.getUid(),
            e.getType().name(),
            e.getReason(),
            e.getMessage(),
            e.getSource().getComponent(),
            e.getSource().getHost(),
            e.getReportingComponent());
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException ex) {
      throw new IllegalStateException(ex);
    }
  }

  /** Describes an object as an event's involved object. */
  public static ObjectReference referenceTo(Object o) {
    ObjectMeta m = ApiObjects.meta(o);
    return ObjectReference.newBuilder()
        .setKind(Objects.kind(o))
        .setNamespace(m.getNamespace())
        .setName(m.getName())
        .setUid(m.getUid())
        .setResourceVersion(m.getResourceVersion())
        .build();
  }
}
