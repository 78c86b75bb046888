package dev.drover.master.security;

import dev.drover.api.v1.AddStoreMemberRequest;
import dev.drover.api.v1.ListStoreMembersRequest;
import dev.drover.api.v1.SecurityServiceGrpc;
import dev.drover.api.v1.StoreMember;
import dev.drover.api.v1.StoreMembers;
import dev.drover.client.Channels;
import dev.drover.client.ClientCredentials;
import dev.drover.client.tls.PemFiles;
import dev.drover.store.api.Peer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A master joining a running cluster's store without the full member list: with the certificate it
 * received ({@link MasterJoin}), it asks a master it knows for the store's members ({@code
 * SecurityService.ListStoreMembers}), starts its own store member with those peers plus itself, and
 * then asks to be added ({@code AddStoreMember}), which returns once the store has taken it in.
 * Masters that do not answer yet are retried until a deadline; a refusal ends the start with its
 * reason.
 */
final class StoreJoin {
  private static final Logger LOG = LoggerFactory.getLogger(StoreJoin.class);
  private static final Duration LIST_TIMEOUT = Duration.ofSeconds(10);
  // Adding waits for the new member to catch up (possibly a snapshot) before the change commits.
  private static final Duration ADD_TIMEOUT = Duration.ofMinutes(3);
  private static final Duration PAUSE = Duration.ofMillis(500);

  private final ClientCredentials credentials;
  private final List<String> via;
  private final Duration timeout;

  /**
   * Calls one of {@code via} (masters' API addresses) as the master of the files in {@code pki}.
   */
  StoreJoin(Path pki, List<String> via, Duration timeout) {
    this.credentials =
        ClientCredentials.certificate(
            pki.resolve("ca.crt"), pki.resolve("master.crt"), pki.resolve("master.key"));
    this.via = List.copyOf(via);
    this.timeout = timeout;
  }

  /** The store's members as a master of the cluster lists them, with {@code self} added. */
  List<Peer> peers(Peer self) {
    StoreMembers members =
        call(
            "list the store's members",
            LIST_TIMEOUT,
            stub -> stub.listStoreMembers(ListStoreMembersRequest.getDefaultInstance()));
    List<Peer> out = new ArrayList<>();
    for (StoreMember m : members.getMembersList()) {
      if (m.getId().equals(self.id())) {
        continue;
      }
      if (m.getAddress().isEmpty()) {
        throw new IllegalStateException(
            "the cluster does not know the store address of its member " + m.getId());
      }
      out.add(StoreMembership.peer(m.getId(), m.getAddress()));
    }
    out.add(self);
    return out;
  }

  /** Asks the cluster to add {@code self} to its store; returns once it is a member. */
  void add(Peer self) {
    call(
        "add this master to the store",
        ADD_TIMEOUT,
        stub ->
            stub.addStoreMember(
                AddStoreMemberRequest.newBuilder()
                    .setId(self.id())
                    .setAddress(self.address())
                    .build()));
    LOG.info("master {} is a member of the cluster's store at {}", self.id(), self.address());
  }

  /** The peers recorded by {@link #write}. */
  static List<Peer> read(Path file) {
    List<Peer> out = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          out.add(StoreMembership.peer(line.substring(0, eq), line.substring(eq + 1)));
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot read the store's peers this master joined with from " + file + ": " + e, e);
    }
    return out;
  }

  /** Records {@code peers} ({@code id=host:port} lines) for a restart of the joined master. */
  static void write(Path file, List<Peer> peers) {
    StringBuilder b = new StringBuilder();
    for (Peer p : peers) {
      b.append(p.id()).append('=').append(p.address()).append('\n');
    }
    PemFiles.write(file, b.toString(), false);
  }

  private StoreMembers call(
      String what,
      Duration callTimeout,
      Function<SecurityServiceGrpc.SecurityServiceBlockingStub, StoreMembers> body) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    while (true) {
      for (String master : via) {
        ManagedChannel channel = Channels.secure(master, credentials);
        try {
          return body.apply(
              SecurityServiceGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (StatusRuntimeException e) {
          Status.Code code = e.getStatus().getCode();
          if (code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED) {
            throw new MasterJoin.RefusedException(
                "cannot " + what + " through " + master + ": " + e.getStatus().getDescription());
          }
          last = master + ": " + e.getStatus();
        } finally {
          Channels.close(channel);
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "could not " + what + " within " + timeout.toSeconds() + " s: " + last);
      }
      LOG.info("waiting for a master to {} ({})", what, last);
      try {
        Thread.sleep(PAUSE.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while joining the store", e);
      }
    }
  }
}
