package dev.drover.bench.store;

import dev.drover.store.KvStores;
import dev.drover.store.Peer;
import dev.drover.store.StoreOptions;
import dev.drover.store.raft.RaftKvStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One Drover store member as its own process, for the store benchmark (as each etcd member is
 * its own process): {@code StoreMember ID PEERS DATA_DIR [raft.key=value ...]} where PEERS is
 * {@code id=host:port,...}. Prints {@code READY} once started and runs until its standard
 * input closes (the benchmark closes it, or dies), then closes the member.
 */
public final class StoreMember {
  private StoreMember() {}

  /** Parses {@code id=host:port,...}. */
  static List<Peer> parsePeers(String spec) {
    List<Peer> peers = new ArrayList<>();
    for (String item : spec.split(",")) {
      String[] idAddr = item.split("=", 2);
      int colon = idAddr[1].lastIndexOf(':');
      peers.add(new Peer(idAddr[0], idAddr[1].substring(0, colon), Integer.parseInt(idAddr[1].substring(colon + 1))));
    }
    return peers;
  }

  /** Entry point. */
  public static void main(String[] args) throws IOException {
    if (args.length < 3) {
      System.err.println("usage: StoreMember ID PEERS DATA_DIR [raft.key=value ...]");
      System.exit(2);
    }
    StoreOptions options = new StoreOptions();
    for (int i = 3; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      options.ratisProperty(kv[0], kv[1]);
    }
    RaftKvStore member = KvStores.cluster(args[0], parsePeers(args[1]), Path.of(args[2])).options(options).start();
    System.out.println("READY");
    System.out.flush();
    // Block until the parent closes our stdin (or exits).
    while (System.in.read() >= 0) {
      // Ignore anything written to us.
    }
    member.close();
  }
}
