/* version.h — the one place the version is written. */
#ifndef CONNECTOR_MOCK_VERSION_H
#define CONNECTOR_MOCK_VERSION_H
#define CONNECTOR_MOCK_VERSION "0.1.0"
#endif
