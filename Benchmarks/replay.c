/* bench-live's sender: replays a classic pcap file (Ethernet, either byte order, micro- or
 * nanosecond) onto an interface at a fixed packet rate, faster than tcpreplay manages here
 * (~55k packets/s on this kind of machine: one sendto(2) per packet through the qdisc).
 * The file is read into memory first; frames go out in batches of BATCH through one sendmmsg(2)
 * on an AF_PACKET socket that bypasses the qdisc (PACKET_QDISC_BYPASS), and the sender sleeps
 * between batches to hold the rate (0: as fast as it can).
 * Build: cc -O2 -o replay replay.c     Run (root): ./replay IFACE FILE PPS
 * Prints "sent N packets in S s (R/s)" on stdout. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: replay IFACE FILE PPS\n"); return 2; }
    double pps = atof(argv[3]);
    int fd = open(argv[2], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < 24) { perror(argv[2]); return 2; }
    const uint8_t *file = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (file == MAP_FAILED) { perror("mmap"); return 2; }
    uint32_t magic;
    memcpy(&magic, file, 4);
    int swapped = magic == 0xD4C3B2A1 || magic == 0x4D3CB2A1;
    if (!swapped && magic != 0xA1B2C3D4 && magic != 0xA1B23C4D) { fprintf(stderr, "replay: not a classic pcap\n"); return 2; }

    /* Every frame's place in the file, in order. */
    size_t count = 0, room = 1 << 20;
    struct iovec *frames = malloc(room * sizeof *frames);
    for (off_t at = 24; at + 16 <= st.st_size;) {
        uint32_t caplen;
        memcpy(&caplen, file + at + 8, 4);
        if (swapped) caplen = __builtin_bswap32(caplen);
        if (at + 16 + caplen > (uint64_t)st.st_size) break;
        if (count == room) frames = realloc(frames, (room *= 2) * sizeof *frames);
        frames[count++] = (struct iovec){ (void *)(file + at + 16), caplen };
        at += 16 + caplen;
    }

    int s = socket(AF_PACKET, SOCK_RAW, htons(0));
    if (s < 0) { perror("socket"); return 2; }
    int one = 1;
    setsockopt(s, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
    struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(argv[1]), .sll_halen = 6 };
    if (to.sll_ifindex == 0) { perror(argv[1]); return 2; }

    struct mmsghdr batch[BATCH];
    double start = now();
    size_t sent = 0;
    while (sent < count) {
        int n = count - sent < BATCH ? (int)(count - sent) : BATCH;
        for (int i = 0; i < n; i++)
            batch[i].msg_hdr = (struct msghdr){ .msg_name = &to, .msg_namelen = sizeof to, .msg_iov = &frames[sent + i], .msg_iovlen = 1 };
        int done = sendmmsg(s, batch, n, 0);
        if (done < 0) {
            if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) continue;
            perror("sendmmsg");
            return 1;
        }
        sent += done;
        if (pps > 0) {
            double ahead = sent / pps - (now() - start);
            if (ahead > 0) {
                struct timespec pause = { (time_t)ahead, (long)((ahead - (time_t)ahead) * 1e9) };
                nanosleep(&pause, NULL);
            }
        }
    }
    double seconds = now() - start;
    printf("sent %zu packets in %.3f s (%.0f/s)\n", sent, seconds, sent / seconds);
    return 0;
}
