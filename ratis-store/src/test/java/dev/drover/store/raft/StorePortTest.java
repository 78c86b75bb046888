package dev.drover.store.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.store.KvStores;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member whose port is taken fails to start with an IOException naming the port (Ratis itself
 * would have ended the JVM with System.exit), and freePort() does not hand out one port twice.
 */
class StorePortTest {
  @Test
  void aMemberWhosePortIsTakenFailsWithTheAddressInsteadOfEndingTheProcess(@TempDir Path dir)
      throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      assertThatThrownBy(() -> KvStores.embedded(dir, port).start())
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith("store member ")
          .hasMessageContaining("cannot listen on 127.0.0.1:" + port);
    }
    // This JVM is still here to assert it; the same member starts once the port is free.
    int free = KvStores.freePort();
    try (var store = KvStores.embedded(dir, free).start()) {
      assertThat(store).isNotNull();
    }
  }

  @Test
  void freePortNeverHandsOutThePortItGaveLast() {
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 500; i++) {
      assertThat(seen.add(KvStores.freePort())).as("port %s handed out twice", i).isTrue();
    }
  }
}
