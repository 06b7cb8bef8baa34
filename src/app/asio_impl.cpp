// Boost.Asio is compiled once, here (BOOST_ASIO_SEPARATE_COMPILATION is set on osteon_app).
#include <boost/asio/impl/src.hpp>
