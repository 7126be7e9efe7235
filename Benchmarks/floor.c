/* The floor vpndoctor is measured against: libpcap's own read loop over a capture file, touching
 * every packet (its length and a few header bytes), and nothing else.
 * Build: cc -O2 -o floor floor.c -lpcap     Run: ./floor FILE */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: floor FILE\n"); return 2; }
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!p) { fprintf(stderr, "floor: %s\n", errbuf); return 2; }
    struct pcap_pkthdr *h; const u_char *d;
    uint64_t packets = 0, bytes = 0, touch = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
        packets++;
        bytes += h->caplen;
        if (h->caplen >= 34) touch += d[12] ^ d[23] ^ d[33];  /* EtherType, IP protocol, address */
    }
    if (rc == PCAP_ERROR) { fprintf(stderr, "floor: %s\n", pcap_geterr(p)); return 2; }
    printf("%llu packets %llu bytes (touch %llu)\n", (unsigned long long)packets, (unsigned long long)bytes,
           (unsigned long long)touch);
    pcap_close(p);
    return 0;
}
