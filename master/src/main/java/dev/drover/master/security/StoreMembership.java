package dev.drover.master.security;

import dev.drover.api.v1.StoreMember;
import dev.drover.api.v1.StoreMembers;
import dev.drover.store.api.Keys;
import dev.drover.store.api.KvStore;
import dev.drover.store.api.Peer;
import dev.drover.store.raft.RaftKvStore;
import io.grpc.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The masters' replicated store as a set of members a running cluster can grow: Raft knows the
 * members' ids, and the store itself keeps their Raft addresses ({@code /security/store-members/ID}
 * = {@code host:port}), seeded with the members a master was started with. Adding a member records
 * its address and then changes the Raft configuration to the members plus it (Ratis brings it up to
 * date before it counts as a voter); adding a member already there with the same address changes
 * nothing, so a joining master may retry.
 */
final class StoreMembership {
  static final String PREFIX = "/security/store-members/";
  private static final Duration CALL = Duration.ofSeconds(10);
  // Catching up a new member may copy a snapshot; the configuration change waits for it.
  private static final Duration CHANGE = Duration.ofMinutes(2);

  private final RaftKvStore raft;
  private final KvStore kv;

  private final List<Peer> started;
  private boolean seeded;

  /** Members of {@code raft}, addresses kept in {@code kv} (seeded with {@code started}). */
  StoreMembership(RaftKvStore raft, KvStore kv, List<Peer> started) {
    this.raft = raft;
    this.kv = kv;
    this.started = List.copyOf(started);
  }

  // At the first call rather than at the master's start, so that a slow store delays no start.
  private Map<String, String> seededAddresses() {
    Map<String, String> known = addresses();
    if (!seeded) {
      for (Peer p : started) {
        if (!known.containsKey(p.id())) {
          await(kv.put(Keys.of(PREFIX + p.id()), Keys.of(p.address())), CALL);
          known.put(p.id(), p.address());
        }
      }
      seeded = true;
    }
    return known;
  }

  /** The current members with their addresses (null when the store knows none). */
  synchronized StoreMembers list() {
    Map<String, String> book = seededAddresses();
    StoreMembers.Builder out = StoreMembers.newBuilder();
    for (String id : memberIds()) {
      StoreMember.Builder m = StoreMember.newBuilder().setId(id);
      if (book.containsKey(id)) {
        m.setAddress(book.get(id));
      }
      out.addMembers(m);
    }
    return out.build();
  }

  /**
   * Adds member {@code id} at {@code address} ({@code host:port}); throws a status naming the field
   * for bad input or an id or address that another member holds.
   */
  synchronized StoreMembers add(String id, String address) {
    Peer added = peer(id, address);
    Map<String, String> book = seededAddresses();
    List<String> members = memberIds();
    for (Map.Entry<String, String> e : book.entrySet()) {
      if (e.getKey().equals(id) && !e.getValue().equals(added.address())) {
        throw Status.ALREADY_EXISTS
            .withDescription(
                "id: master "
                    + id
                    + " is a store member at "
                    + e.getValue()
                    + ", not "
                    + added.address()
                    + "; remove it first or use its address")
            .asRuntimeException();
      }
      if (!e.getKey().equals(id) && e.getValue().equals(added.address())) {
        throw Status.ALREADY_EXISTS
            .withDescription(
                "address: " + added.address() + " is the store address of master " + e.getKey())
            .asRuntimeException();
      }
    }
    if (members.contains(id)) {
      return list();
    }
    List<Peer> next = new ArrayList<>();
    for (String member : members) {
      String at = book.get(member);
      if (at == null) {
        throw Status.FAILED_PRECONDITION
            .withDescription("the store does not know the address of its member " + member)
            .asRuntimeException();
      }
      next.add(peer(member, at));
    }
    next.add(added);
    await(kv.put(Keys.of(PREFIX + id), Keys.of(added.address())), CALL);
    await(raft.setMembers(next), CHANGE);
    return list();
  }

  private List<String> memberIds() {
    try {
      return raft.memberIds();
    } catch (IOException e) {
      throw Status.UNAVAILABLE
          .withDescription("the store's members are not known here: " + e.getMessage())
          .asRuntimeException();
    }
  }

  private Map<String, String> addresses() {
    Map<String, String> out = new LinkedHashMap<>();
    for (var kvp : await(kv.getPrefix(Keys.of(PREFIX)), CALL).getKvsList()) {
      out.put(
          kvp.getKey().toStringUtf8().substring(PREFIX.length()),
          kvp.getValue().toString(StandardCharsets.UTF_8));
    }
    return out;
  }

  /** A peer from the request's fields, or INVALID_ARGUMENT naming the field. */
  static Peer peer(String id, String address) {
    if (id.isEmpty() || !id.matches("[A-Za-z0-9_-]{1,63}")) {
      throw invalid("id: '" + id + "' is not a master id (letters, digits, '-' or '_')");
    }
    try {
      return Peer.parse(id, address);
    } catch (IllegalArgumentException e) {
      throw invalid(e.getMessage());
    }
  }

  private static RuntimeException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
  }

  private static <T> T await(CompletableFuture<T> f, Duration timeout) {
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw Status.UNAVAILABLE
          .withDescription("the store did not answer: " + cause)
          .asRuntimeException();
    }
  }
}
