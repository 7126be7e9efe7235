#ifndef VPNDOCTOR_CLIBPCAP_SHIM_H
#define VPNDOCTOR_CLIBPCAP_SHIM_H
#include <pcap/pcap.h>
#endif
